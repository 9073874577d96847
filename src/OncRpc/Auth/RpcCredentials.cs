using System.Buffers;

namespace OncRpc.Auth;

/// <summary>
/// The client side of an authentication flavor: what credential and verifier each call carries,
/// and what the client learns from reply verifiers. One instance is shared by every call of a
/// client, so implementations are thread-safe.
/// </summary>
public abstract class RpcCredentials
{
    /// <summary>AUTH_NONE (RFC 5531 §10.1): empty credential and verifier. The default.</summary>
    public static RpcCredentials None { get; } = new AuthNoneCredentials();

    /// <summary>AUTH_SYS (RFC 5531 Appendix A) with the given identity; see <see cref="AuthSysCredentials"/>.</summary>
    public static AuthSysCredentials Sys(uint stamp, string machineName, uint uid, uint gid,
        IReadOnlyList<uint>? gids = null, bool useShortHandles = true) =>
        new(new AuthSysParameters(stamp, machineName, uid, gid, gids ?? []), useShortHandles);

    /// <summary>The flavor of the full credential.</summary>
    public abstract AuthFlavor Flavor { get; }

    /// <summary>True when a call may be refused because of per-session state (a short handle the
    /// server forgot) and is worth retrying once after <see cref="OnRejected"/>.</summary>
    public virtual bool HasSessionState => false;

    /// <summary>The credential for the next call.</summary>
    public abstract OpaqueAuth GetCredential();

    /// <summary>The verifier sent with <paramref name="credential"/>; AUTH_NONE by default.</summary>
    public virtual OpaqueAuth GetVerifier(OpaqueAuth credential) => OpaqueAuth.None;

    /// <summary>The verifier sent with <paramref name="credential"/>, given the encoded call
    /// header from the xid up to and including the credential (RPCSEC_GSS signs it, RFC 2203
    /// §5.3.1). By default <see cref="GetVerifier(OpaqueAuth)"/>.</summary>
    public virtual OpaqueAuth GetVerifier(OpaqueAuth credential, ReadOnlySpan<byte> callHeader) => GetVerifier(credential);

    /// <summary>True when the verifier never depends on the call header (<see cref="GetVerifier(OpaqueAuth)"/>
    /// is all there is), so a header encoded once may be sent again with another xid and procedure.
    /// Internal: only flavors of this library vouch for it.</summary>
    internal virtual bool VerifierIsConstant => false;

    /// <summary>True when arguments and results are transformed (<see cref="ProtectArguments"/>,
    /// <see cref="UnprotectResults"/>); false (the default) sends them as encoded.</summary>
    public virtual bool ProtectsMessages => false;

    /// <summary>Writes the encoded <paramref name="arguments"/> of a call carrying
    /// <paramref name="credential"/>, protected, to <paramref name="output"/> (RPCSEC_GSS
    /// integrity or privacy). Called only when <see cref="ProtectsMessages"/>.</summary>
    public virtual void ProtectArguments(OpaqueAuth credential, ReadOnlySpan<byte> arguments, IBufferWriter<byte> output) =>
        output.Write(arguments);

    /// <summary>Writes the plain results of a reply to a call carrying <paramref name="credentialSent"/>
    /// to <paramref name="output"/>; throws to refuse the reply (a bad checksum, a wrong sequence
    /// number). Called only when <see cref="ProtectsMessages"/>.</summary>
    public virtual void UnprotectResults(OpaqueAuth credentialSent, ReadOnlySpan<byte> results, IBufferWriter<byte> output) =>
        output.Write(results);

    /// <summary>Sees the verifier of an accepted reply to a call that carried <paramref name="credentialSent"/>.</summary>
    public virtual void OnReplyVerifier(OpaqueAuth credentialSent, OpaqueAuth verifier)
    {
    }

    /// <summary>The server answered AUTH_ERROR with <paramref name="stat"/> to a call carrying
    /// <paramref name="credentialSent"/>. Returns true when the call should be sent again (once)
    /// with a fresh <see cref="GetCredential"/>.</summary>
    public virtual bool OnRejected(OpaqueAuth credentialSent, AuthStat stat) => false;

    /// <summary>The asynchronous twin of <see cref="OnRejected"/>, used by asynchronous calls: a
    /// flavor that must talk to the server to recover (RPCSEC_GSS renegotiating an expired
    /// context) does it here without blocking. By default <see cref="OnRejected"/>.</summary>
    public virtual ValueTask<bool> OnRejectedAsync(OpaqueAuth credentialSent, AuthStat stat, CancellationToken cancellationToken) =>
        new(OnRejected(credentialSent, stat));
}

/// <summary>AUTH_NONE.</summary>
public sealed class AuthNoneCredentials : RpcCredentials
{
    internal AuthNoneCredentials()
    {
    }

    /// <inheritdoc />
    public override AuthFlavor Flavor => AuthFlavor.None;

    /// <inheritdoc />
    public override OpaqueAuth GetCredential() => OpaqueAuth.None;

    internal override bool VerifierIsConstant => true;
}
