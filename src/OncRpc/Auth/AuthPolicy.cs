using System.Net;

namespace OncRpc.Auth;

/// <summary>
/// Decides, per call, whether its (already validated) credentials may call the procedure. Runs on
/// the server's hot path before the procedure is looked up (like libtirpc, authentication comes
/// before dispatch): keep it fast and never block. Return <see cref="AuthStat.Ok"/> to allow;
/// any other value is sent back as MSG_DENIED AUTH_ERROR with that auth_stat.
/// </summary>
public abstract class AuthPolicy
{
    /// <summary>Allows or denies one call.</summary>
    public abstract AuthStat Authorize(in AuthRequest request);
}

/// <summary>What an <see cref="AuthPolicy"/> sees of a call.</summary>
/// <param name="Program">Program number called.</param>
/// <param name="Version">Program version called.</param>
/// <param name="Procedure">Procedure number called.</param>
/// <param name="Credential">The credentials as sent (flavor and body).</param>
/// <param name="UnixCredential">The AUTH_SYS identity, parsed from an AUTH_SYS credential or
/// resolved from an AUTH_SHORT handle; null for AUTH_NONE.</param>
/// <param name="Transport">The transport the call came over.</param>
/// <param name="RemoteEndPoint">The caller's address.</param>
public readonly record struct AuthRequest(
    uint Program,
    uint Version,
    uint Procedure,
    OpaqueAuth Credential,
    AuthSysParameters? UnixCredential,
    RpcTransportKind Transport,
    EndPoint? RemoteEndPoint)
{
    /// <summary>True when the call came over RPC-with-TLS (RFC 9289).</summary>
    public bool IsTls { get; init; }

    /// <summary>The client's verified certificate (mutual TLS); null otherwise.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate { get; init; }
}
