using System.Buffers;
using System.Net;
using System.Net.Sockets;
using OncRpc.Auth;
using OncRpc.Internal;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// One call travelling through the <see cref="RpcCallPipeline"/>: the request bytes (a pooled
/// copy the call owns, so it can outlive the transport's read buffer), what the stages learned
/// about it, and the reply being built. Pooled by <see cref="CallLifecycle"/>; a stage must not
/// keep a reference after the call completes.
/// </summary>
internal sealed partial class RpcCall
{
    private byte[] _request = [];
    private int _requestLength;

    public RpcCall() => Reply = new PooledBufferWriter(256);

    // Set by the lifecycle and the transport.
    /// <summary>Where the call came from and its reply goes.</summary>
    public ICallSite? Site { get; set; }
    public RpcTransportKind Transport { get; set; }
    public EndPoint? RemoteEndPoint { get; set; }

    /// <summary>UDP: the sender's raw address, where the reply goes (kept with the pooled call,
    /// so replying allocates nothing).</summary>
    public SocketAddress? PeerAddress { get; private set; }
    public CancellationToken CancellationToken { get; set; }
    public long StartTimestamp { get; set; }

    /// <summary>Phase boundaries, when this call is timed (<see cref="Diagnostics.Internal.ServerPhases"/>);
    /// a field, so stages stamp it in place.</summary>
    public Diagnostics.Internal.PhaseStamps Phases;

    // Set by the header stage.
    public uint Xid { get; set; }
    public bool HasXid { get; set; }
    public uint Program { get; set; }
    public uint Version { get; set; }
    public uint Procedure { get; set; }
    public AuthFlavor CredentialFlavor { get; set; }
    public int CredentialOffset { get; set; }
    public int CredentialLength { get; set; }
    public AuthFlavor VerifierFlavor { get; set; }
    public int VerifierOffset { get; set; }
    public int VerifierLength { get; set; }
    public int ArgumentsOffset { get; set; }

    /// <summary>The credential body, in the request buffer (valid for the call's lifetime only).</summary>
    public ReadOnlySpan<byte> CredentialBody => _request.AsSpan(CredentialOffset, CredentialLength);

    /// <summary>The verifier body, in the request buffer.</summary>
    public ReadOnlySpan<byte> VerifierBody => _request.AsSpan(VerifierOffset, VerifierLength);

    // Set by the auth stage.
    /// <summary>The credential as handed to policy and handler: with a body of its own (shared
    /// from a cache when possible), never a view of the pooled request.</summary>
    public OpaqueAuth Credential { get; set; }
    public AuthSysParameters? UnixCredential { get; set; }
    /// <summary>What a registered flavor handler accepted the call as.</summary>
    public object? Principal { get; set; }

    /// <summary>Set by the auth stage when it answered an AUTH_TLS probe with STARTTLS: once the
    /// reply is out, the connection runs the TLS handshake (RFC 9289 §4.1).</summary>
    public bool StartsTls { get; set; }
    public OpaqueAuth ReplyVerifier { get; set; }

    // Set by the lookup stage.
    public RpcProcedureEntry? Entry { get; set; }
    public RpcProcedureDescriptor? Descriptor { get; set; }

    /// <summary>The request: the whole rpc_msg.</summary>
    public ReadOnlySpan<byte> Request => _request.AsSpan(0, _requestLength);

    /// <summary>The procedure's argument bytes (unprotected, when the flavor protects them).</summary>
    public ReadOnlySpan<byte> Arguments => _plainArguments is { } plain
        ? plain.WrittenSpan
        : _argumentsLent ? LentArguments() : _request.AsSpan(ArgumentsOffset, _requestLength - ArgumentsOffset);

    private OncRpc.Transport.Internal.PooledBufferWriter? _plainArguments;

    /// <summary>The flavor's transform of arguments and results (RPCSEC_GSS integrity/privacy), if any.</summary>
    public Auth.IRpcMessageProtection? Protection { get; private set; }

    /// <summary>Unprotects the arguments with <paramref name="protection"/>, which then also
    /// protects the results. False when the arguments fail its check.</summary>
    public bool Unprotect(Auth.IRpcMessageProtection protection)
    {
        OncRpc.Transport.Internal.PooledBufferWriter plain = OncRpc.Transport.Internal.BufferPool.Rent();
        bool ok;
        try
        {
            ok = protection.TryUnprotectArguments(Arguments, plain);
        }
        catch (Exception)
        {
            ok = false;
        }
        if (!ok)
        {
            OncRpc.Transport.Internal.BufferPool.Return(plain);
            return false;
        }
        _plainArguments = plain;
        Protection = protection;
        return true;
    }

    /// <summary>Copies a record into the call's own pooled buffer.</summary>
    public void SetRequest(ReadOnlySequence<byte> record)
    {
        EnsureRequestCapacity((int)record.Length);
        record.CopyTo(_request);
    }

    /// <summary>Copies a datagram into the call's own pooled buffer.</summary>
    public void SetRequest(ReadOnlySpan<byte> datagram)
    {
        EnsureRequestCapacity(datagram.Length);
        datagram.CopyTo(_request);
    }

    /// <summary>Copies a datagram's source address into the call.</summary>
    public void SetPeerAddress(SocketAddress address)
    {
        if (PeerAddress is null || PeerAddress.Family != address.Family || PeerAddress.Buffer.Length < address.Size)
        {
            PeerAddress = new SocketAddress(address.Family, SocketAddress.GetMaximumAddressSize(address.Family));
        }
        address.Buffer.Span[..address.Size].CopyTo(PeerAddress.Buffer.Span);
        PeerAddress.Size = address.Size;
    }

    private void EnsureRequestCapacity(int length)
    {
        if (_request.Length < length)
        {
            ReturnRequest();
            _request = BytePool.Rent(Math.Max(length, 512));
        }
        _requestLength = length;
    }

    private void ReturnRequest()
    {
        if (_request.Length > 0)
        {
            BytePool.Return(_request);
        }
        _request = [];
        _requestLength = 0;
    }

    private RpcCallContextState? _contextState;

    /// <summary>The context handed to the handler: a handle on state kept with the pooled call,
    /// refilled for each call (a call allocates nothing) and ended by <see cref="EndContext"/>,
    /// after which the handle throws.</summary>
    public RpcCallContext CreateContext(RpcProcedureDescriptor descriptor)
    {
        RpcCallContextState state = _contextState ??= new RpcCallContextState();
        state.Set(Xid, descriptor, RemoteEndPoint, Transport, Credential, UnixCredential, Principal, CancellationToken, Site);
        return new RpcCallContext(state);
    }

    /// <summary>The call's pipeline is done (its reply, if any, is encoded and not yet handed to
    /// the transport): every context made for it is dead from now on, so work the handler left
    /// running sees the call ended before the caller can see its reply.</summary>
    public void EndContext() => _contextState?.End();

    /// <summary>Buffers up to this size stay with a pooled call: a 64 KiB payload (NFS's usual
    /// rsize/wsize) plus its RPC and record headers, so such calls reuse their buffers instead of
    /// growing new ones each time.</summary>
    private const int KeptBufferSize = 68 * 1024;

    /// <summary>Bytes of buffers the call keeps while pooled.</summary>
    public long RetainedBytes => _request.Length + Reply.Capacity;

    /// <summary>Clears the call for reuse; keeps modest buffers, frees large ones.</summary>
    public bool Reset()
    {
        bool reusable = Reply.WrittenCount <= KeptBufferSize && _request.Length <= 2 * KeptBufferSize;
        if (_request.Length > 2 * KeptBufferSize)
        {
            ReturnRequest();
        }
        _requestLength = 0;
        _replyLender = null;
        Reply.Reset();
        Outcome = CallOutcome.Dropped;
        HasReply = false;
        _oneWay = false;
        RemoteEndPoint = null;
        Site = null;
        CancellationToken = default;
        Xid = 0;
        HasXid = false;
        Program = Version = Procedure = 0;
        Credential = default;
        CredentialFlavor = VerifierFlavor = AuthFlavor.None;
        CredentialOffset = CredentialLength = VerifierOffset = VerifierLength = 0;
        ArgumentsOffset = 0;
        UnixCredential = null;
        ReplyVerifier = default;
        Descriptor = null;
        Entry = null;
        Principal = null;
        StartsTls = false;
        Protection = null;
        if (_plainArguments is not null)
        {
            OncRpc.Transport.Internal.BufferPool.Return(_plainArguments);
            _plainArguments = null;
        }
        ResetLentArguments();
        return reusable;
    }

    /// <summary>Returns the pooled buffers; the call is not used again.</summary>
    public void Release()
    {
        ReturnRequest();
        Reply.Dispose();
    }
}
