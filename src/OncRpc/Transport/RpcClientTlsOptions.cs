using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OncRpc.Transport;

/// <summary>
/// RPC-with-TLS on a client (RFC 9289): every new TCP or Unix connection starts with the AUTH_TLS
/// probe; when the server answers STARTTLS, a TLS 1.3 handshake (ALPN "sunrpc") follows on the
/// same connection and every call goes inside it. Not available over UDP (.NET has no DTLS).
/// </summary>
public sealed class RpcClientTlsOptions
{
    /// <summary>The name the server's certificate must carry (SNI and name check). Defaults to
    /// the host of the end point when it is a DNS name, else "localhost".</summary>
    public string? TargetHost { get; set; }

    /// <summary>Roots the server's certificate must chain to (custom trust; the system store is
    /// then not consulted). Empty: the system store.</summary>
    public X509Certificate2Collection TrustAnchors { get; } = [];

    /// <summary>The client's certificate (with private key) for mutual TLS; null for none.</summary>
    public X509Certificate2? ClientCertificate { get; set; }

    /// <summary>True (the default): a server that does not answer the probe with STARTTLS fails
    /// the connection with <see cref="RpcStatus.TlsFailed"/>. False (opportunistic, RFC 9289 §4.1):
    /// the connection carries on in plain text.</summary>
    public bool Required { get; set; } = true;

    /// <summary>The program (and version) the probe's NULL call names; a server may refuse TLS
    /// for some programs (<see cref="RpcTlsPolicy.Refused"/>).</summary>
    public uint ProbeProgram { get; set; }

    /// <summary>The version the probe's NULL call names.</summary>
    public uint ProbeVersion { get; set; }

    /// <summary>Full control of the handshake. When set, it is used as given except that the
    /// application protocol list is forced to "sunrpc" and TLS versions below 1.3 are not enabled.</summary>
    public SslClientAuthenticationOptions? Authentication { get; set; }
}
