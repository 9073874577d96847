using System.Buffers;
using Microsoft.Extensions.Logging;
using OncRpc.Protocol;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Transport;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// The services a client serves to its server over its own connections (<see cref="RpcClient.Serve"/>,
/// docs/calls-both-ways.md). Calls run through the server's own call pipeline and lifecycle
/// (<see cref="RpcServerRuntime"/>: header, auth, lookup, semantics, orphans, invoke) over the
/// client's <see cref="RpcDispatcher"/>; only how bytes move is the client's (a
/// <see cref="CallbackSite"/> per connection). No duplicate-request cache: one connection never
/// retransmits, and a lost connection's calls are not resent on the next.
/// </summary>
internal sealed class ClientCallbackHost
{
    public ClientCallbackHost(RpcDispatcher dispatcher, RpcClientOptions options, RpcClient owner, ILogger logger)
    {
        var serverOptions = new RpcServerOptions
        {
            TimeProvider = options.TimeProvider,
            MaxRecordSize = options.MaxRecordSize,
            MaxConcurrentCallsPerConnection = options.MaxConcurrentCallbacks,
            DuplicateRequestCache = null,
            EventLoopThreads = 0,
        };
        serverOptions.Validate();
        Runtime = new RpcServerRuntime(serverOptions, dispatcher, logger);
        Owner = owner;
        Logger = logger;
        MaxCalls = options.MaxConcurrentCallbacks;
    }

    public RpcServerRuntime Runtime { get; }

    /// <summary>The client whose connections carry the callbacks: the handlers' way back.</summary>
    public RpcClient Owner { get; }

    public ILogger Logger { get; }

    public int MaxCalls { get; }

    /// <summary>Serves callbacks on <paramref name="connection"/> from now on.</summary>
    public void Attach(StreamConnection connection, RpcTransportKind transport) =>
        connection.ServeCallbacks(new CallbackSite(this, connection, transport));
}

/// <summary>
/// One client connection as a place calls come from: runs each CALL record the connection reads
/// through the lifecycle and queues its reply on the connection's send path. Handlers run on the
/// connection's reader until their first await, like the server's epoll loops run them, so they
/// must not block. The reader cannot stop reading (replies to the client's own calls come the same
/// way), so at <see cref="RpcClientOptions.MaxConcurrentCallbacks"/> a further call is answered
/// SYSTEM_ERR at once rather than queued.
/// </summary>
internal sealed class CallbackSite(ClientCallbackHost host, StreamConnection connection, RpcTransportKind transport) : ICallSite
{
    private readonly InFlightTracker _inFlight = new();

    public InFlightTracker InFlight => _inFlight;

    public RpcClient? Backchannel => host.Owner;

    /// <summary>Reader thread: a CALL record arrived.</summary>
    public void OnCall(in ReadOnlySequence<byte> record)
    {
        if (_inFlight.Count >= host.MaxCalls)
        {
            Refuse(OncRpc.Internal.MessageKind.Xid(record));
            return;
        }
        CallLifecycle calls = host.Runtime.Calls;
        RpcCall call = calls.Begin(this, transport, record, connection.ClosingToken, connection.RemoteEndPoint, Diagnostics.Internal.ServerPhases.Timestamp());
        if (!calls.Run(call))
        {
            return; // the handler awaits: its reply goes out through SendLateReplyAsync
        }
        try
        {
            if (call.HasReply)
            {
                connection.SendRecord(call.FinishStreamRecord().Span);
            }
        }
        finally
        {
            calls.End(call);
        }
    }

    public ValueTask SendLateReplyAsync(RpcCall call)
    {
        connection.SendRecord(call.FinishStreamRecord().Span);
        return ValueTask.CompletedTask;
    }

    public void OnCallEnded()
    {
    }

    /// <summary>RFC 5531 §9 SYSTEM_ERR: the call was read but cannot run now.</summary>
    private void Refuse(uint xid)
    {
        ClientLog.CallbackLimit(host.Logger, connection.RemoteEndPoint, xid, host.MaxCalls);
        PooledBufferWriter buffer = BufferPool.Rent();
        buffer.GetSpan(RecordMarking.HeaderSize);
        buffer.Advance(RecordMarking.HeaderSize);
        var writer = new XdrWriter(buffer);
        RpcReplyHeader.Accepted(xid, AcceptStat.SystemError).WriteTo(ref writer);
        writer.Flush();
        RecordMarking.WriteHeader(buffer.WrittenSpanForUpdate, buffer.WrittenCount - RecordMarking.HeaderSize, last: true);
        connection.Sender.TryEnqueue(new OutgoingRecord(buffer, Flush: true));
    }
}
