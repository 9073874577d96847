using System.Diagnostics;
using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OncRpc.Auth;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// The client over UDP: one connected datagram socket, a reader role (UdpRpcClient.Receive.cs), one pending-call table
/// whose timer retransmits each call's datagram (same bytes, so the same xid: a server's
/// duplicate-request cache recognises it) with exponential backoff until the reply or the timeout.
/// Replies to calls no longer pending (answers to earlier transmissions) are dropped.
/// </summary>
internal sealed partial class UdpRpcClient : RpcClientBase, ISyncReader, ILoopSocketReader
{
    private readonly Socket _socket;
    private readonly IPEndPoint _endPoint;
    private readonly PendingCallTable _pending;
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationToken _closingToken;
    private readonly long _initialRetransmitMs;
    private int _disposed;

    public UdpRpcClient(IPEndPoint endPoint, RpcClientOptions options)
        : base(options, "OncRpc.Client.RpcClient")
    {
        _endPoint = endPoint;
        _initialRetransmitMs = Math.Max(1, (long)options.RetransmitInterval.TotalMilliseconds);
        _socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Connected, so the kernel filters other senders and reports ICMP unreachable.
            _socket.Connect(endPoint);
            // Bounds a synchronous reader's blocking recv to one slice; async receives ignore it.
            _socket.ReceiveTimeout = ReaderRole.SliceMilliseconds;
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            throw new RpcException(RpcStatus.CannotBind, $"cannot reach {endPoint}: {e.Message}", e);
        }
        _pending = new PendingCallTable(options.Clock, options.MaxRetransmitInterval, Retransmit);
        _closingToken = _closing.Token;
        _maxDatagram = options.MaxUdpDatagramSize;
        _receiveBuffer = GC.AllocateUninitializedArray<byte>(_maxDatagram + 1);
        if (ClientEventLoop.IsSupported)
        {
            // Awaited calls are read by the client's event loop.
            _loop = new LoopReader(_socket.SafeHandle, _pending, this,
                error => _pending.Close(error));
            _reader = _loop.Role;
            _pump = _loop.Completion;
        }
        else
        {
            _reader = new ReaderRole();
            _pump = PumpAsync(); // parks at once; the socket stays out of the runtime's engine until needed
        }
    }

    protected override string TransportName => "udp";

    protected override ValueTask<TResult> StartCallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ValueTask.FromException<TResult>(new ObjectDisposedException(nameof(RpcClient)));
        }
        uint xid = attempt.Xid;
        long started = ClientPhases.Timestamp();
        PooledBufferWriter datagram;
        try
        {
            datagram = Encode(xid, procedure, arguments, credential, attempt.Credentials);
        }
        catch (Exception e) when (e is RpcException or XdrException)
        {
            return ValueTask.FromException<TResult>(e);
        }
        TypedPendingCall<TResult> call = NewCall<TResult>(attempt, procedure, credential, started);
        return Start(call, datagram, cancellationToken);
    }

    private ValueTask<T> Start<T>(PendingCall<T> call, PooledBufferWriter datagram, CancellationToken cancellationToken)
    {
        call.Datagram = datagram;
        call.RetransmitIntervalMs = _initialRetransmitMs;
        if (!_pending.TryAdd(call, out RpcException? closed))
        {
            call.Datagram = null;
            BufferPool.Return(datagram);
            return ValueTask.FromException<T>((Exception?)closed ?? new InvalidOperationException($"xid {call.Xid} is already in use"));
        }
        call.RegisterCancellation(cancellationToken);
        SendFirst(call, datagram);
        return call.AsValueTask();
    }

    private void SendFirst(PendingCall call, PooledBufferWriter datagram)
    {
        // A sequential caller's reply may be read at once (LoopReader.AfterSend).
        long sendStarted = _pending.Count <= 1 ? SendTiming.Start() : 0;
        try
        {
            call.Phases.Mark(ClientPhases.SendStarted);
            Libc.SendAll(_socket, datagram.WrittenSpan);
            ClientPhases.MarkSent(call);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            if (_pending.TryRemove(call))
            {
                call.Fail(SendFailed(e));
            }
            return;
        }
        if (_loop is { } loop)
        {
            loop.AfterSend(call, sendStarted);
        }
        else
        {
            EnsureReader();
        }
    }

    protected override TResult CallCore<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        uint xid = attempt.Xid;
        long started = ClientPhases.Timestamp();
        PooledBufferWriter datagram = Encode(xid, procedure, arguments, credential, attempt.Credentials);
        TypedPendingCall<TResult> call = NewCall<TResult>(attempt, procedure, credential, started);
        call.MakeSync();
        call.Datagram = datagram;
        call.RetransmitIntervalMs = _initialRetransmitMs;
        if (!_pending.TryAdd(call, out RpcException? closed))
        {
            call.Datagram = null;
            BufferPool.Return(datagram);
            throw (Exception?)closed ?? new InvalidOperationException($"xid {xid} is already in use");
        }
        call.RegisterCancellation(cancellationToken);
        try
        {
            call.Phases.Mark(ClientPhases.SendStarted);
            Libc.SendAll(_socket, datagram.WrittenSpan);
            ClientPhases.MarkSent(call);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            if (_pending.TryRemove(call))
            {
                call.Fail(SendFailed(e));
            }
        }
        WaitForReply(call);
        return call.GetResultSync();
    }

    /// <summary>One call datagram in a pooled buffer: a call keeps it for retransmissions and
    /// returns it once its awaiter has taken the outcome (<see cref="PendingCall.Datagram"/>), so a
    /// call allocates nothing.</summary>
    private PooledBufferWriter Encode<TArgs>(uint xid, RpcProcedureDescriptor procedure, in TArgs arguments, OpaqueAuth credential, RpcCredentials credentials)
        where TArgs : IXdrSerializable<TArgs>
    {
        PooledBufferWriter buffer = CallEncoder.Encode(xid, procedure, credential, credentials, arguments,
            recordMarking: false, maxFragmentSize: int.MaxValue);
        return CheckSize(buffer);
    }

    private PooledBufferWriter CheckSize(PooledBufferWriter datagram)
    {
        if (datagram.WrittenCount > Options.MaxUdpDatagramSize)
        {
            int length = datagram.WrittenCount;
            BufferPool.Return(datagram);
            throw new RpcException(RpcStatus.MessageTooLarge,
                $"the call is {length} bytes; a UDP datagram here holds at most {Options.MaxUdpDatagramSize}");
        }
        return datagram;
    }

    private RpcException SendFailed(Exception e) => e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
        ? new RpcException(RpcStatus.CannotBind, $"{_endPoint} refused the datagram (port unreachable)", e)
        : new RpcException(RpcStatus.ConnectionLost, $"sending to {_endPoint} failed: {e.Message}", e);

    /// <summary>Called by the table's timer, after it released its lock.</summary>
    private void Retransmit(uint xid, byte[] datagram)
    {
        try
        {
            Libc.SendAll(_socket, datagram);
            ClientTelemetry.Retransmissions.Add(1);
            ClientLog.Retransmit(Logger, xid, _endPoint);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // An ICMP error shows up here or in the receive loop; the call's timeout still runs.
        }
    }

    protected override ValueTask SendOneWayCoreAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCredentials credentials, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        PooledBufferWriter datagram = Encode(NextXid(), procedure, arguments, credentials.GetCredential(), credentials);
        return SendAsync(datagram, cancellationToken);
    }

    private async ValueTask SendAsync(PooledBufferWriter datagram, CancellationToken cancellationToken)
    {
        try
        {
            _usedAsync = true;
            await _socket.SendAsync(datagram.WrittenMemory, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw SendFailed(e);
        }
        finally
        {
            BufferPool.Return(datagram);
        }
    }

    public override ValueTask<ReadOnlyMemory<byte>> CallRawAsync(ReadOnlyMemory<byte> callMessage, CancellationToken cancellationToken = default)
    {
        if (callMessage.Length < 8)
        {
            throw new ArgumentException("a call message starts with xid and msg_type", nameof(callMessage));
        }
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadOnlyMemory<byte>>(cancellationToken);
        }
        var call = new RawPendingCall { Xid = BinaryPrimitives.ReadUInt32BigEndian(callMessage.Span) };
        SetDeadline(call);
        return Start(call, CheckSize(CallEncoder.EncodeRaw(callMessage.Span, recordMarking: false, maxFragmentSize: int.MaxValue)), cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _pending.Close(new RpcException(RpcStatus.ConnectionLost, "the client was disposed"));
        _reader.EnsureReader(); // a parked pump wakes to exit
        _loop?.Nudge(); // the loop, armed for a reply that will not come, looks again and exits
        _closing.Cancel();
        _socket.Dispose();
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Nothing left to report to.
        }
        _pending.Dispose();
        _closing.Dispose();
    }
}
