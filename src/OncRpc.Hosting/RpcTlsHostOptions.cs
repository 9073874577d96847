using OncRpc.Transport;

namespace OncRpc.Hosting;

/// <summary>RPC-with-TLS (RFC 9289) from configuration (<c>OncRpc:Server:Tls</c>): PEM files for
/// the server's certificate and key and for the roots client certificates must chain to. For
/// anything else (certificate stores, selection callbacks) set <see cref="Server.RpcServerOptions.Tls"/>
/// in <c>ConfigureServer</c>.</summary>
public sealed class RpcTlsHostOptions
{
    /// <summary>The server certificate (PEM); TLS is on when this is set.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Its private key (PEM); unset when the key is in the certificate file.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Roots (PEM, one or more certificates) client certificates must chain to.</summary>
    public string? ClientCaPath { get; set; }

    /// <summary>Mutual TLS: a client without a valid certificate is refused.</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>Policy of programs not listed in <see cref="ProgramPolicies"/>.</summary>
    public RpcTlsPolicy DefaultPolicy { get; set; } = RpcTlsPolicy.Optional;

    /// <summary>Per program number: Optional, Required or Refused.</summary>
    public IDictionary<uint, RpcTlsPolicy> ProgramPolicies { get; } = new Dictionary<uint, RpcTlsPolicy>();
}
