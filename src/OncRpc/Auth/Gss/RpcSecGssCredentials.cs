using System.Buffers;
using OncRpc.Auth.Gss.Internal;
using OncRpc.Client;

namespace OncRpc.Auth.Gss;

/// <summary>
/// The client side of RPCSEC_GSS version 1 (RFC 2203) with Kerberos V5: create it with
/// <see cref="CreateAsync"/> (which establishes the context with the server through the client's
/// NULL procedure), then use it as the client's or a call's credentials. Each call gets the next
/// sequence number, a verifier signing its header, and with <see cref="RpcGssService.Integrity"/>
/// or <see cref="RpcGssService.Privacy"/> checksummed or encrypted arguments; each reply's
/// verifier and results are checked. When the server refuses the context (CREDPROBLEM or
/// CTXPROBLEM, e.g. it expired), a new one is negotiated and the call sent once more. Disposing
/// destroys the context on the server (RPCSEC_GSS_DESTROY). The ticket comes from the default
/// Kerberos credential cache (KRB5CCNAME).
/// </summary>
public sealed partial class RpcSecGssCredentials : RpcCredentials, IAsyncDisposable
{
    private readonly RpcClient _client;
    private readonly RpcProcedureDescriptor _null;
    private readonly IGssMechanism _mechanism;
    private readonly SemaphoreSlim _negotiating = new(1, 1);
    private volatile Session _session = null!;
    private Session? _previous;
    private bool _disposed;

    private RpcSecGssCredentials(RpcClient client, uint program, uint version, string targetName, RpcGssService service, IGssMechanism mechanism)
    {
        _client = client;
        _null = new RpcProcedureDescriptor(program, version, 0);
        TargetName = targetName;
        Service = service;
        _mechanism = mechanism;
    }

    /// <summary>Establishes a context with the server behind <paramref name="client"/> for
    /// <paramref name="program"/> <paramref name="version"/>, as <paramref name="targetName"/>
    /// (the service principal, "nfs@server" or "nfs/server"). Throws <see cref="RpcException"/>
    /// (AuthError) when the server or the mechanism refuses.</summary>
    public static Task<RpcSecGssCredentials> CreateAsync(RpcClient client, uint program, uint version, string targetName,
        RpcGssService service = RpcGssService.Integrity, CancellationToken cancellationToken = default) =>
        CreateWithAsync(client, program, version, targetName, service, KerberosGssMechanism.Instance, cancellationToken);

    /// <summary>The blocking twin of <see cref="CreateAsync(RpcClient, uint, uint, string, RpcGssService, CancellationToken)"/>.</summary>
    public static RpcSecGssCredentials Create(RpcClient client, uint program, uint version, string targetName,
        RpcGssService service = RpcGssService.Integrity, CancellationToken cancellationToken = default) =>
        CreateWith(client, program, version, targetName, service, KerberosGssMechanism.Instance, cancellationToken);

    internal static async Task<RpcSecGssCredentials> CreateWithAsync(RpcClient client, uint program, uint version, string targetName,
        RpcGssService service, IGssMechanism mechanism, CancellationToken cancellationToken)
    {
        RpcSecGssCredentials credentials = Validate(client, program, version, targetName, service, mechanism);
        credentials._session = await credentials.NegotiateAsync(cancellationToken).ConfigureAwait(false);
        return credentials;
    }

    internal static RpcSecGssCredentials CreateWith(RpcClient client, uint program, uint version, string targetName,
        RpcGssService service, IGssMechanism mechanism, CancellationToken cancellationToken)
    {
        RpcSecGssCredentials credentials = Validate(client, program, version, targetName, service, mechanism);
        credentials._session = credentials.Negotiate(cancellationToken);
        return credentials;
    }

    private static RpcSecGssCredentials Validate(RpcClient client, uint program, uint version, string targetName,
        RpcGssService service, IGssMechanism mechanism)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(targetName);
        if (!Enum.IsDefined(service))
        {
            throw new ArgumentOutOfRangeException(nameof(service), service, "not an RPCSEC_GSS service");
        }
        return new RpcSecGssCredentials(client, program, version, targetName, service, mechanism);
    }

    /// <summary>The service principal the context is with.</summary>
    public string TargetName { get; }

    /// <summary>The protection of every call.</summary>
    public RpcGssService Service { get; }

    /// <summary>Contexts negotiated so far (1 after creation; more after renegotiations).</summary>
    public int Negotiations { get; private set; }

    /// <inheritdoc />
    public override AuthFlavor Flavor => AuthFlavor.RpcSecGss;

    /// <inheritdoc />
    public override bool HasSessionState => true;

    /// <inheritdoc />
    public override bool ProtectsMessages => Service != RpcGssService.None;

    /// <inheritdoc />
    public override OpaqueAuth GetCredential() => Credential(GssProc.Data);

    private OpaqueAuth Credential(GssProc proc)
    {
        Session session = _session;
        uint sequence = session.NextSequence();
        return new OpaqueAuth(AuthFlavor.RpcSecGss, new GssCredential(proc, sequence, Service, session.Handle).Encode());
    }

    /// <inheritdoc />
    public override OpaqueAuth GetVerifier(OpaqueAuth credential) =>
        throw new InvalidOperationException("an RPCSEC_GSS verifier signs the call header: use GetVerifier(credential, callHeader)");

    /// <inheritdoc />
    public override OpaqueAuth GetVerifier(OpaqueAuth credential, ReadOnlySpan<byte> callHeader)
    {
        // RFC 2203 §5.3.1: the verifier is the MIC of the header from the xid through the credential.
        var mic = new ArrayBufferWriter<byte>(64);
        SessionOf(credential).Gss.GetMic(callHeader, mic);
        return new OpaqueAuth(AuthFlavor.RpcSecGss, mic.WrittenMemory);
    }

    /// <inheritdoc />
    public override void ProtectArguments(OpaqueAuth credential, ReadOnlySpan<byte> arguments, IBufferWriter<byte> output) =>
        GssXdr.Protect(SessionOf(credential).Gss, Service, GssCredential.SequenceOf(credential.Body.Span), arguments, output);

    /// <inheritdoc />
    public override void UnprotectResults(OpaqueAuth credentialSent, ReadOnlySpan<byte> results, IBufferWriter<byte> output)
    {
        if (!GssXdr.TryUnprotect(SessionOf(credentialSent).Gss, Service, GssCredential.SequenceOf(credentialSent.Body.Span), results, output))
        {
            throw new RpcException(AuthStat.InvalidResp, "the RPCSEC_GSS results failed their checksum, decryption or sequence number");
        }
    }

    /// <inheritdoc />
    public override void OnReplyVerifier(OpaqueAuth credentialSent, OpaqueAuth verifier)
    {
        // RFC 2203 §5.3.3.2: the reply verifier is the MIC of the call's sequence number.
        if (verifier.Flavor != AuthFlavor.RpcSecGss
            || !GssXdr.VerifyMic(SessionOf(credentialSent).Gss, GssCredential.SequenceOf(credentialSent.Body.Span), verifier.Body.Span))
        {
            throw new RpcException(AuthStat.InvalidResp, "the RPCSEC_GSS reply verifier does not match the call's sequence number");
        }
    }

    /// <summary>The session a credential of ours was built on: the current one, or the one
    /// before a renegotiation (for calls still in flight then).</summary>
    private Session SessionOf(OpaqueAuth credential)
    {
        ReadOnlySpan<byte> handle = GssCredential.HandleOf(credential.Body.Span);
        Session session = _session;
        if (handle.SequenceEqual(session.Handle))
        {
            return session;
        }
        Session? previous = _previous;
        if (previous is not null && handle.SequenceEqual(previous.Handle))
        {
            return previous;
        }
        throw new RpcException(AuthStat.InvalidResp, "the RPCSEC_GSS context of this call was replaced");
    }

    /// <summary>One established context: GSS context, server handle, the next sequence number.</summary>
    private sealed class Session(IGssContext gss, byte[] handle, uint window)
    {
        private int _sequence;

        public IGssContext Gss { get; } = gss;
        public byte[] Handle { get; } = handle;
        public uint Window { get; } = window;

        public uint NextSequence() => (uint)Interlocked.Increment(ref _sequence);
    }
}
