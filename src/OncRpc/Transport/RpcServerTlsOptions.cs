using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OncRpc.Transport;

/// <summary>
/// RPC-with-TLS on a server (RFC 9289): a client opens a plain TCP or Unix connection, sends the
/// AUTH_TLS probe (a NULL call with credential flavor AUTH_TLS), the server answers with the
/// verifier AUTH_NONE "STARTTLS", and both run a TLS 1.3 handshake (ALPN "sunrpc") on the same
/// connection; record marking continues inside TLS. UDP has no TLS (.NET has no DTLS).
/// </summary>
public sealed class RpcServerTlsOptions
{
    /// <summary>The server's certificate, with its private key. Required unless
    /// <see cref="Authentication"/> names one.</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>Full control of the handshake. When set, it is used as given except that the
    /// application protocol list is forced to "sunrpc" and TLS versions below 1.3 are not enabled.</summary>
    public SslServerAuthenticationOptions? Authentication { get; set; }

    /// <summary>Mutual TLS: a client must present a certificate that chains to
    /// <see cref="ClientTrustAnchors"/> (or the system store when empty).</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>Roots a client certificate must chain to (custom trust; the system store is then
    /// not consulted). Empty: the system store.</summary>
    public X509Certificate2Collection ClientTrustAnchors { get; } = [];

    /// <summary>The policy of programs not listed in <see cref="ProgramPolicies"/>.</summary>
    public RpcTlsPolicy DefaultPolicy { get; set; } = RpcTlsPolicy.Optional;

    /// <summary>Per program number: TLS required, optional or refused.</summary>
    public IDictionary<uint, RpcTlsPolicy> ProgramPolicies { get; } = new Dictionary<uint, RpcTlsPolicy>();

    /// <summary>Longest a handshake may take after the probe was answered; the connection is then closed.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The policy for <paramref name="program"/>.</summary>
    public RpcTlsPolicy PolicyFor(uint program) =>
        ProgramPolicies.TryGetValue(program, out RpcTlsPolicy policy) ? policy : DefaultPolicy;
}
