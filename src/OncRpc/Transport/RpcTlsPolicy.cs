namespace OncRpc.Transport;

/// <summary>Whether a program served over TCP or Unix sockets is offered RPC-with-TLS (RFC 9289).</summary>
public enum RpcTlsPolicy
{
    /// <summary>The probe is answered with STARTTLS; plain calls are served too.</summary>
    Optional = 0,

    /// <summary>The probe is answered with STARTTLS; a call that does not come over TLS is denied
    /// with AUTH_ERROR / AUTH_TOOWEAK (RFC 5531 §9: "rejected for security reasons") and never
    /// reaches its handler. Over UDP (no DTLS in .NET) every call to the program is denied so.</summary>
    Required = 1,

    /// <summary>TLS is not offered for the program: its probe is answered AUTH_ERROR / AUTH_BADCRED,
    /// as by a server that does not know AUTH_TLS (RFC 9289 §4.1).</summary>
    Refused = 2,
}
