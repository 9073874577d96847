using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OncRpc.Transport;

namespace OncRpc.LoadGenerator;

/// <summary>
/// TLS for measuring its cost, not for security: the server makes a throwaway self-signed P-256
/// certificate at start and the client accepts any server certificate (chain building happens
/// once per connection, outside the measured calls, so this changes no per-call figure).
/// </summary>
internal static class BenchTls
{
    public static RpcServerTlsOptions ServerOptions()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return new RpcServerTlsOptions { ServerCertificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7)) };
    }

    public static RpcClientTlsOptions ClientOptions() => new()
    {
        Authentication = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        },
    };
}
