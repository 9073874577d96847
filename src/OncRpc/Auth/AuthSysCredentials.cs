namespace OncRpc.Auth;

/// <summary>
/// AUTH_SYS credentials (RFC 5531 Appendix A), encoded once. With short handles on, when the
/// server answers with an AUTH_SHORT verifier (RFC 5531 §10.2 style shorthand) later calls send
/// that handle instead of the full credential; when the server rejects the handle
/// (AUTH_ERROR / AUTH_REJECTEDCRED) the handle is dropped and the call is retried once with the
/// full credential, as libtirpc's authunix does.
/// </summary>
public sealed class AuthSysCredentials : RpcCredentials
{
    private readonly OpaqueAuth _full;
    private byte[]? _shortHandle;

    /// <summary>Creates AUTH_SYS credentials for <paramref name="parameters"/>. Throws
    /// <see cref="OncRpc.Xdr.XdrException"/> when the machine name is over 255 bytes or there are
    /// more than 16 gids.</summary>
    public AuthSysCredentials(AuthSysParameters parameters, bool useShortHandles = true)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        UseShortHandles = useShortHandles;
        _full = parameters.ToOpaqueAuth();
    }

    /// <summary>The identity sent.</summary>
    public AuthSysParameters Parameters { get; }

    /// <summary>Whether AUTH_SHORT handles from the server are used.</summary>
    public bool UseShortHandles { get; }

    /// <summary>The current AUTH_SHORT handle, if the server gave one.</summary>
    public ReadOnlyMemory<byte>? ShortHandle => Volatile.Read(ref _shortHandle) is { } h ? new ReadOnlyMemory<byte>(h) : (ReadOnlyMemory<byte>?)null;

    /// <inheritdoc />
    public override AuthFlavor Flavor => AuthFlavor.Sys;

    /// <inheritdoc />
    public override bool HasSessionState => UseShortHandles;

    /// <summary>The full AUTH_SYS credential.</summary>
    public OpaqueAuth FullCredential => _full;

    /// <inheritdoc />
    public override OpaqueAuth GetCredential() =>
        Volatile.Read(ref _shortHandle) is { } handle ? new OpaqueAuth(AuthFlavor.Short, handle) : _full;

    // AUTH_SYS and AUTH_SHORT send an AUTH_NONE verifier (RFC 5531 Appendix A).
    internal override bool VerifierIsConstant => true;

    /// <inheritdoc />
    public override void OnReplyVerifier(OpaqueAuth credentialSent, OpaqueAuth verifier)
    {
        if (!UseShortHandles || verifier.Flavor != AuthFlavor.Short)
        {
            return;
        }
        byte[]? current = Volatile.Read(ref _shortHandle);
        if (current is null || !current.AsSpan().SequenceEqual(verifier.Body.Span))
        {
            Volatile.Write(ref _shortHandle, verifier.Body.ToArray());
        }
    }

    /// <inheritdoc />
    public override bool OnRejected(OpaqueAuth credentialSent, AuthStat stat)
    {
        // RFC 5531 / libtirpc authunix_refresh: a rejected short handle means the server forgot
        // the session; fall back to the full credential. Other refusals are final.
        if (credentialSent.Flavor != AuthFlavor.Short || stat is not (AuthStat.RejectedCred or AuthStat.BadCred))
        {
            return false;
        }
        byte[]? current = Volatile.Read(ref _shortHandle);
        if (current is not null && current.AsSpan().SequenceEqual(credentialSent.Body.Span))
        {
            Interlocked.CompareExchange(ref _shortHandle, null, current);
        }
        return true;
    }

    /// <summary>Forgets the short handle; the next call sends the full credential.</summary>
    public void ResetShortHandle() => Volatile.Write(ref _shortHandle, null);
}
