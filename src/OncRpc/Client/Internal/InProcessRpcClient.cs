using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Auth;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// A client whose "connection" is a server call pipeline in the same process: each call is
/// encoded as on the wire, handed to a <see cref="CallLifecycle"/> (header, auth, lookup,
/// semantics, orphans, invoke: what a socket's calls go through), and the encoded reply is
/// dispatched to the pending call by xid, as a read loop would. Timeouts and cancellation are the
/// pending-call table's, as on every transport. The server sees a local (Unix-socket-like) caller.
/// Invariant: every call begun on the lifecycle is ended by it (the site only delivers replies).
/// </summary>
internal sealed class InProcessRpcClient : RpcClientBase, ICallSite
{
    /// <summary>The peer address handlers see (a Unix socket end point, unnamed).</summary>
    private static readonly UnixDomainSocketEndPoint s_peer = new("oncrpc-in-process");

    private readonly RpcServerRuntime _runtime;
    private readonly PendingCallTable _pending;
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _callsToken; // closing, or the runtime's abort
    private readonly CancellationToken _closingToken;
    private int _disposed;

    public InProcessRpcClient(RpcDispatcher dispatcher, RpcServerOptions serverOptions, RpcClientOptions options)
        : base(options, "OncRpc.Client.RpcClient")
    {
        serverOptions.Validate();
        ILogger serverLogger = options.LoggerFactory?.CreateLogger("OncRpc.Server") ?? NullLogger.Instance;
        _runtime = new RpcServerRuntime(serverOptions, dispatcher, serverLogger);
        _pending = new PendingCallTable(options.Clock, options.MaxRetransmitInterval, retransmit: null);
        _callsToken = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token, _runtime.AbortToken);
        _closingToken = _callsToken.Token;
    }

    protected override string TransportName => "inproc";

    public InFlightTracker InFlight { get; } = new();

    protected override ValueTask<TResult> StartCallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
    {
        TypedPendingCall<TResult> call = NewCall<TResult>(attempt, procedure, credential, ClientPhases.Timestamp());
        Exception? failed = Start(call, procedure, arguments, credential, cancellationToken);
        return failed is null ? call.AsValueTask() : ValueTask.FromException<TResult>(failed);
    }

    protected override TResult CallCore<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
    {
        TypedPendingCall<TResult> call = NewCall<TResult>(attempt, procedure, credential, ClientPhases.Timestamp());
        call.MakeSync();
        if (Start(call, procedure, arguments, credential, cancellationToken) is { } failed)
        {
            throw failed;
        }
        WaitForOutcome(call);
        return call.GetResultSync();
    }

    public override async ValueTask<ReadOnlyMemory<byte>> CallRawAsync(ReadOnlyMemory<byte> callMessage, CancellationToken cancellationToken = default)
    {
        if (callMessage.Length < 8)
        {
            throw new ArgumentException("a call message starts with xid and msg_type", nameof(callMessage));
        }
        cancellationToken.ThrowIfCancellationRequested();
        var call = new RawPendingCall { Xid = BinaryPrimitives.ReadUInt32BigEndian(callMessage.Span) };
        if (Add(call, cancellationToken) is { } failed)
        {
            throw failed;
        }
        Run(callMessage.Span);
        return await call.AsValueTask().ConfigureAwait(false);
    }

    protected override ValueTask SendOneWayCoreAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCredentials credentials, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        OpaqueAuth credential = credentials.GetCredential();
        PooledBufferWriter message = CallEncoder.Encode(NextXid(), procedure, credential, credentials, arguments,
            recordMarking: false, Options.MaxFragmentSize);
        try
        {
            // Handed over: the call runs on (its reply, if the server writes one, matches nothing).
            Run(message.WrittenSpan);
        }
        finally
        {
            BufferPool.Return(message);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Registers the call, then runs it through the server. Returns the failure to
    /// report instead of the call's own outcome, if any.</summary>
    private Exception? Start<TArgs>(PendingCall call, RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential,
        CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
    {
        PooledBufferWriter message = CallEncoder.Encode(call.Xid, procedure, credential, call.Credentials!, arguments,
            recordMarking: false, Options.MaxFragmentSize);
        try
        {
            // Registered before running: a synchronous handler's reply comes back inside Run.
            if (Add(call, cancellationToken) is { } failed)
            {
                return failed;
            }
            Run(message.WrittenSpan);
            return null;
        }
        finally
        {
            BufferPool.Return(message);
        }
    }

    private Exception? Add(PendingCall call, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return new ObjectDisposedException(nameof(RpcClient));
        }
        if (!_pending.TryAdd(call, out RpcException? closed))
        {
            return (Exception?)closed ?? new InvalidOperationException($"xid {call.Xid} is already in use by a pending call on this client");
        }
        call.RegisterCancellation(cancellationToken);
        return null;
    }

    /// <summary>One call through the server's lifecycle: the request is copied into the call (as
    /// from a socket's buffer), the reply comes back through <see cref="Deliver"/>.</summary>
    private void Run(ReadOnlySpan<byte> message)
    {
        RpcCall call = _runtime.Calls.Begin(this, RpcTransportKind.Local, Transport.RecordMarking.HeaderSize, _closingToken, s_peer,
            Diagnostics.Internal.ServerPhases.Timestamp());
        call.SetRequest(message);
        if (_runtime.Calls.Run(call))
        {
            if (call.HasReply)
            {
                Deliver(call);
            }
            _runtime.Calls.End(call);
        }
    }

    /// <summary>Hands the reply to its pending call (dropped if that timed out or was cancelled,
    /// as a late reply on a socket is). Decoding happens here, before the server call is reused.</summary>
    private void Deliver(RpcCall call) =>
        _pending.Dispatch(new ReadOnlySequence<byte>(call.FinishStreamRecord()[Transport.RecordMarking.HeaderSize..]));

    ValueTask ICallSite.SendLateReplyAsync(RpcCall call)
    {
        Deliver(call);
        return ValueTask.CompletedTask;
    }

    void ICallSite.OnCallEnded()
    {
    }

    /// <summary>Blocks until a sync call has its outcome: the reply, the table's timeout (checked
    /// here too, so a call does not wait for the timer's next tick) or cancellation.</summary>
    private void WaitForOutcome(PendingCall call)
    {
        while (!call.IsSignaled)
        {
            if (_pending.NowMs >= call.DeadlineTicks)
            {
                _pending.TryTimeOut(call);
            }
            call.WaitSignaled(ReaderRole.SliceMilliseconds);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _pending.Close(new RpcException(RpcStatus.ConnectionLost, "the in-process client was disposed"));
        // As a closing connection does: running handlers see their token fire; wait for them.
        await _closing.CancelAsync().ConfigureAwait(false);
        await InFlight.WaitForDrainAsync().ConfigureAwait(false);
        _pending.Dispose();
        _callsToken.Dispose();
        _runtime.Dispose();
        _closing.Dispose();
    }
}
