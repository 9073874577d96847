using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OncRpc.Testing.Tls;

/// <summary>
/// Certificates made in the test (no files): a CA, a server certificate for "localhost" and a
/// client certificate it signed, and the bad ones: expired, for another name, from a CA nobody
/// trusts. Made once per process (key generation is slow) and shared.
/// </summary>
public sealed class TlsCertificates
{
    public static TlsCertificates Shared { get; } = new();

    private TlsCertificates()
    {
        Ca = CreateCa("CN=OncRpc Test CA");
        OtherCa = CreateCa("CN=Untrusted CA");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        Server = Issue(Ca, "CN=localhost", "localhost", server: true, now.AddDays(-1), now.AddDays(30));
        Client = Issue(Ca, "CN=backup-agent", null, server: false, now.AddDays(-1), now.AddDays(30));
        ExpiredServer = Issue(Ca, "CN=localhost", "localhost", server: true, now.AddDays(-30), now.AddDays(-1));
        ExpiredClient = Issue(Ca, "CN=backup-agent", null, server: false, now.AddDays(-30), now.AddDays(-1));
        WrongNameServer = Issue(Ca, "CN=elsewhere.example", "elsewhere.example", server: true, now.AddDays(-1), now.AddDays(30));
        UntrustedServer = Issue(OtherCa, "CN=localhost", "localhost", server: true, now.AddDays(-1), now.AddDays(30));
        UntrustedClient = Issue(OtherCa, "CN=backup-agent", null, server: false, now.AddDays(-1), now.AddDays(30));
    }

    public X509Certificate2 Ca { get; }
    public X509Certificate2 OtherCa { get; }
    public X509Certificate2 Server { get; }
    public X509Certificate2 Client { get; }
    public X509Certificate2 ExpiredServer { get; }
    public X509Certificate2 ExpiredClient { get; }
    public X509Certificate2 WrongNameServer { get; }
    public X509Certificate2 UntrustedServer { get; }
    public X509Certificate2 UntrustedClient { get; }

    /// <summary>Writes <paramref name="certificate"/> and its key as PEM files (for peers in other languages).</summary>
    public static (string CertificatePath, string KeyPath) WritePem(X509Certificate2 certificate, string directory, string name)
    {
        string certificatePath = Path.Combine(directory, name + ".crt");
        string keyPath = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using ECDsa key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-60), now.AddYears(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, string? dnsName, bool server,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (dnsName is not null)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(dnsName);
            request.CertificateExtensions.Add(names.Build());
        }
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using X509Certificate2 issued = request.Create(ca, notBefore, notAfter, serial);
        return issued.CopyWithPrivateKey(key);
    }
}
