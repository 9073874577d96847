using System.Buffers.Binary;
using System.Net;
using OncRpc.Auth;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// The client over a stream transport (TCP or Unix): one <see cref="StreamConnection"/> at a
/// time; when it is lost its calls fail and, with <see cref="RpcClientOptions.Reconnect"/>, the
/// next call opens a new one.
/// </summary>
internal sealed partial class StreamRpcClient : RpcClientBase
{
    private const int DirectSendLimit = 64 * 1024;

    private readonly EndPoint _endPoint;
    private readonly RpcTransportKind _kind;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private StreamConnection? _connection;
    private volatile bool _disposed;

    private StreamRpcClient(EndPoint endPoint, RpcTransportKind kind, RpcClientOptions options)
        : base(options, "OncRpc.Client.RpcClient")
    {
        _endPoint = endPoint;
        _kind = kind;
    }

    /// <summary>Socket sends made on the current connection (for tests).</summary>
    internal long SendSystemCalls => _connection?.Sender.SendSystemCalls ?? 0;

    /// <summary>The current connection, if any (for tests).</summary>
    internal StreamConnection? Connection => _connection;

    protected override string TransportName => Diagnostics.RpcTelemetryTags.Transport(_kind);

    /// <summary>A client with no connection yet: the first call opens it.</summary>
    public static StreamRpcClient Create(EndPoint endPoint, RpcTransportKind kind, RpcClientOptions options) =>
        new(endPoint, kind, options);

    /// <summary>A client over a socket the caller connected (options.Reconnect is off: the client
    /// cannot open another one like it).</summary>
    public static StreamRpcClient Over(System.Net.Sockets.Socket socket, RpcTransportKind kind, RpcClientOptions options)
    {
        var client = new StreamRpcClient(socket.RemoteEndPoint ?? new System.Net.Sockets.UnixDomainSocketEndPoint(""), kind, options);
        client.Adopt(new SocketChannel(socket));
        return client;
    }

    public static async Task<StreamRpcClient> ConnectAsync(
        EndPoint endPoint, RpcTransportKind kind, RpcClientOptions options, CancellationToken cancellationToken)
    {
        var client = new StreamRpcClient(endPoint, kind, options);
        await client.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        return client;
    }

    private ValueTask<StreamConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        StreamConnection? connection = _connection;
        return connection is { IsClosed: false } && !_disposed
            ? new ValueTask<StreamConnection>(connection)
            : new ValueTask<StreamConnection>(ReconnectAsync(cancellationToken));
    }

    private async Task<StreamConnection> ReconnectAsync(CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (OpenOrLost(out StreamConnection? lost) is { } open)
            {
                return open;
            }
            if (lost is not null)
            {
                await lost.DisposeAsync().ConfigureAwait(false);
            }
            return Adopt(await OpenAsync(cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>Under the connect gate: the open connection, if any; otherwise null, with the lost
    /// one (to dispose) in <paramref name="lost"/>, or an exception when reconnection is off.</summary>
    private StreamConnection? OpenOrLost(out StreamConnection? lost)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lost = _connection;
        if (lost is { IsClosed: false })
        {
            StreamConnection open = lost;
            lost = null;
            return open;
        }
        if (lost is not null && !Options.Reconnect)
        {
            throw new RpcException(RpcStatus.ConnectionLost, $"the connection to {_endPoint} was lost and reconnection is off");
        }
        return null;
    }

    /// <summary>Connects, and with <see cref="RpcClientOptions.Tls"/> runs the RFC 9289 probe
    /// and handshake: blocking, on the caller's thread (synchronous calls) or a pool thread.</summary>
    private ByteChannel Open(CancellationToken cancellationToken)
    {
        if (_kind == RpcTransportKind.SharedMemory)
        {
            return ShmChannel.Connect(_endPoint, Options.Timeout, cancellationToken);
        }
        System.Net.Sockets.Socket socket = SocketConnector.Connect(_endPoint, Options.Timeout, cancellationToken);
        return Options.Tls is { } tls
            ? TlsNegotiation.Upgrade(socket, _endPoint, tls, Options.Timeout)
            : new SocketChannel(socket);
    }

    private async Task<ByteChannel> OpenAsync(CancellationToken cancellationToken) => Options.Tls is null && _kind != RpcTransportKind.SharedMemory
        ? new SocketChannel(await SocketConnector.ConnectAsync(_endPoint, Options.Timeout, cancellationToken).ConfigureAwait(false))
        : await Task.Run(() => Open(cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <summary>Under the connect gate: makes a newly connected channel the client's connection.</summary>
    private StreamConnection Adopt(ByteChannel channel)
    {
        var connection = new StreamConnection(channel, Options, Logger);
        ClientLog.Connected(Logger, connection.RemoteEndPoint, TransportName);
        AttachCallbacks(connection);
        _connection = connection;
        return connection;
    }

    protected override ValueTask<TResult> StartCallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
    {
        StreamConnection? connection = _connection;
        if (connection is { IsClosed: false } && !_disposed && !connection.ProbeClosedWhileIdle())
        {
            return StartOn<TArgs, TResult>(connection, procedure, arguments, credential, attempt, cancellationToken, mayReconnect: true);
        }
        return StartAfterConnectAsync<TArgs, TResult>(procedure, arguments, credential, attempt, cancellationToken);
    }

    private async ValueTask<TResult> StartAfterConnectAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        StreamConnection connection = await ReconnectAsync(cancellationToken).ConfigureAwait(false);
        return await StartOn<TArgs, TResult>(connection, procedure, arguments, credential, attempt, cancellationToken, mayReconnect: false)
            .ConfigureAwait(false);
    }

    private ValueTask<TResult> StartOn<TArgs, TResult>(
        StreamConnection connection, RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential,
        CallAttempt attempt, CancellationToken cancellationToken, bool mayReconnect)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        uint xid = attempt.Xid;
        long started = ClientPhases.Timestamp();
        PooledBufferWriter record = CallEncoder.Encode(xid, procedure, credential, attempt.Credentials, arguments,
            recordMarking: true, Options.MaxFragmentSize);
        TypedPendingCall<TResult> call = NewCall<TResult>(attempt, procedure, credential, started);
        // Register before sending: the reply may come back before the write loop returns.
        if (!connection.Pending.TryAdd(call, out RpcException? closed))
        {
            BufferPool.Return(record);
            if (closed is not null && mayReconnect && Options.Reconnect && !_disposed)
            {
                // The connection died between the check and the insert (e.g. the server closed
                // it as idle): nothing was sent, so connect again rather than fail.
                return StartAfterConnectAsync<TArgs, TResult>(procedure, arguments, credential, attempt, cancellationToken);
            }
            return ValueTask.FromException<TResult>((Exception?)closed ?? DuplicateXid(xid));
        }
        call.RegisterCancellation(cancellationToken);
        // A small record goes out on this thread when nothing is ahead of it and no other call is
        // in flight (a sequential caller: one system call, no hop); with calls in flight it joins
        // the queue, so pipelined calls share writes; a large one always goes through the queue so
        // an async caller never blocks in a long send.
        bool direct = record.WrittenCount < DirectSendLimit && connection.Pending.Count <= 1;
        long sendStarted = direct ? SendTiming.Start() : 0; // a sequential caller's reply may be read at once
        if (!connection.Sender.Send(record, allowDirect: direct, call))
        {
            if (connection.Pending.TryRemove(call))
            {
                call.Fail(new RpcException(RpcStatus.ConnectionLost, $"the connection to {_endPoint} closed before the call was sent"));
            }
        }
        else
        {
            connection.Reader.AfterSend(call, sendStarted);
        }
        return call.AsValueTask();
    }

    private static InvalidOperationException DuplicateXid(uint xid) =>
        new($"xid {xid} is already in use by a pending call on this client");

    protected override async ValueTask SendOneWayCoreAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCredentials credentials, CancellationToken cancellationToken)
    {
        StreamConnection connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        OpaqueAuth credential = credentials.GetCredential();
        PooledBufferWriter record = CallEncoder.Encode(NextXid(), procedure, credential, credentials,
            arguments, recordMarking: true, Options.MaxFragmentSize);
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!connection.Sender.TryEnqueue(new OutgoingRecord(record, Flush: true, written)))
        {
            throw new RpcException(RpcStatus.ConnectionLost, $"the connection to {_endPoint} closed before the call was sent");
        }
        await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask BatchAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        StreamConnection connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        OpaqueAuth credential = Credentials.GetCredential();
        PooledBufferWriter record = CallEncoder.Encode(NextXid(), procedure, credential, Credentials,
            arguments, recordMarking: true, Options.MaxFragmentSize);
        if (!connection.Sender.TryEnqueue(new OutgoingRecord(record, Flush: false)))
        {
            throw new RpcException(RpcStatus.ConnectionLost, $"the connection to {_endPoint} closed before the call was queued");
        }
    }

    public override async ValueTask<ReadOnlyMemory<byte>> CallRawAsync(
        ReadOnlyMemory<byte> callMessage, CancellationToken cancellationToken = default)
    {
        if (callMessage.Length < 8)
        {
            throw new ArgumentException("a call message starts with xid and msg_type", nameof(callMessage));
        }
        cancellationToken.ThrowIfCancellationRequested();
        StreamConnection connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        uint xid = BinaryPrimitives.ReadUInt32BigEndian(callMessage.Span);
        var call = new RawPendingCall { Xid = xid };
        SetDeadline(call);
        if (!connection.Pending.TryAdd(call, out RpcException? closed))
        {
            throw (Exception?)closed ?? DuplicateXid(xid);
        }
        call.RegisterCancellation(cancellationToken);
        PooledBufferWriter record = CallEncoder.EncodeRaw(callMessage.Span, recordMarking: true, Options.MaxFragmentSize);
        if (!connection.Sender.TryEnqueue(new OutgoingRecord(record, Flush: true)))
        {
            if (connection.Pending.TryRemove(call))
            {
                call.Fail(new RpcException(RpcStatus.ConnectionLost, $"the connection to {_endPoint} closed before the call was sent"));
            }
        }
        else
        {
            connection.Reader.EnsureReader();
        }
        return await call.AsValueTask().ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await _connectGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection is { } connection)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _connectGate.Release();
        }
    }
}
