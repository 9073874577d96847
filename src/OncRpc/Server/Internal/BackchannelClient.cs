using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Client.Internal;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Server.Internal;

/// <summary>
/// The server's client for calling back the peer of one stream connection over that connection
/// (RFC 8881 §2.10.3.1's back channel, for any program). Calls go out through the connection's
/// single writer, so their fragments never interleave with replies; their replies come back on the
/// same connection, where the read path routes REPLY records here (see
/// <see cref="ServerConnection.RouteReply"/>) and they are matched by xid in a table of this
/// direction's own: the xids of the peer's calls to us and of ours to it never meet. At most
/// <see cref="RpcServerOptions.MaxBackchannelCallsPerConnection"/> calls are in flight; more wait
/// for a slot. Invariant: once the connection closes or stops being read, the table is closed, so
/// every call in flight or still to come fails with <see cref="RpcStatus.ConnectionLost"/>: none
/// waits for a reply nobody will read.
/// </summary>
internal sealed class BackchannelClient : RpcClientBase
{
    private readonly ServerConnection _connection;
    private readonly PendingCallTable _pending;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationToken _closing;
    private readonly string _transportName;

    public BackchannelClient(ServerConnection connection, RpcServerOptions serverOptions, RpcTransportKind transport,
        CancellationToken closing)
        : base(OptionsFor(serverOptions), "OncRpc.Server.Backchannel")
    {
        _connection = connection;
        _closing = closing;
        _transportName = Diagnostics.RpcTelemetryTags.Transport(transport);
        _pending = new PendingCallTable(Options.Clock, Options.MaxRetransmitInterval, retransmit: null);
        _slots = new SemaphoreSlim(serverOptions.MaxBackchannelCallsPerConnection, serverOptions.MaxBackchannelCallsPerConnection);
    }

    private static RpcClientOptions OptionsFor(RpcServerOptions options) => new RpcClientOptions
    {
        Timeout = options.BackchannelTimeout,
        Credentials = options.BackchannelCredentials,
        TimeProvider = options.TimeProvider,
        MaxRecordSize = options.MaxRecordSize,
        // One connection, the peer's: a lost one is not ours to reopen.
        Reconnect = false,
    }.Validate();

    protected override string TransportName => _transportName;

    /// <summary>Backchannel calls waiting for their reply.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Hands a REPLY record read from the connection to the call it answers; false when
    /// none waits for it (late, unknown, or malformed).</summary>
    public bool OnReply(in System.Buffers.ReadOnlySequence<byte> record) => _pending.Dispatch(record) == DispatchOutcome.Completed;

    /// <summary>The connection closed or stopped being read: every call in flight, and every later
    /// one, fails with <see cref="RpcStatus.ConnectionLost"/>.</summary>
    public void Close(string reason)
    {
        _pending.Close(new RpcException(RpcStatus.ConnectionLost, $"the backchannel to {_connection.RemoteEndPoint}: {reason}"));
        _pending.Dispose();
    }

    protected override async ValueTask<TResult> StartCallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
    {
        await TakeSlotAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long started = ClientPhases.Timestamp();
            PooledBufferWriter record = CallEncoder.Encode(attempt.Xid, procedure, credential, attempt.Credentials,
                arguments, recordMarking: true, Options.MaxFragmentSize);
            TypedPendingCall<TResult> call = NewCall<TResult>(attempt, procedure, credential, started);
            // Registered before sending: the reply may be read before the send returns.
            if (!_pending.TryAdd(call, out RpcException? closed))
            {
                BufferPool.Return(record);
                throw (Exception?)closed ?? new InvalidOperationException($"xid {attempt.Xid} is already in use by a pending backchannel call");
            }
            call.RegisterCancellation(cancellationToken);
            ValueTask<TResult> reply = call.AsValueTask();
            await SendAsync(record).ConfigureAwait(false);
            return await reply.ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Not offered: the reply is read by the connection's reader, which a handler blocking
    /// here would hold up (the socket engine's read loop and the epoll loop both run handlers
    /// until their first await). Use <c>RpcClient.CallAsync</c>.</summary>
    protected override TResult CallCore<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken) =>
        throw new NotSupportedException(
            "a backchannel call cannot block: its reply is read by the connection's reader, which the calling handler may be holding; use CallAsync");

    protected override async ValueTask SendOneWayCoreAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCredentials credentials, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        OpaqueAuth credential = credentials.GetCredential();
        PooledBufferWriter record = CallEncoder.Encode(NextXid(), procedure, credential, credentials,
            arguments, recordMarking: true, Options.MaxFragmentSize);
        await SendAsync(record).ConfigureAwait(false);
    }

    private async ValueTask SendAsync(PooledBufferWriter record)
    {
        try
        {
            // A failed send closes the connection, which closes the table: the call learns of it there.
            await _connection.SendRecordAsync(record.WrittenMemory).ConfigureAwait(false);
        }
        finally
        {
            BufferPool.Return(record);
        }
    }

    private ValueTask TakeSlotAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        return _slots.Wait(0) ? ValueTask.CompletedTask : WaitForSlotAsync(cancellationToken);
    }

    private async ValueTask WaitForSlotAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing);
        try
        {
            await _slots.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Lost();
        }
    }

    private void ThrowIfClosed()
    {
        if (_pending.IsClosed || _closing.IsCancellationRequested)
        {
            throw Lost();
        }
    }

    private RpcException Lost() =>
        new(RpcStatus.ConnectionLost, $"the connection from {_connection.RemoteEndPoint} is closed: no backchannel call can be sent");

    /// <summary>The backchannel belongs to its connection and closes with it; disposing this
    /// handle does nothing.</summary>
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
