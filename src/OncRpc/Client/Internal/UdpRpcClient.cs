using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OncRpc.Auth;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// The client over UDP: one connected datagram socket, one receive loop, one pending-call table
/// whose timer retransmits each call's datagram (same bytes, so the same xid: a server's
/// duplicate-request cache recognises it) with exponential backoff until the reply or the timeout.
/// Replies to calls no longer pending (answers to earlier transmissions) are dropped.
/// </summary>
internal sealed class UdpRpcClient : RpcClientBase
{
    private readonly Socket _socket;
    private readonly IPEndPoint _endPoint;
    private readonly PendingCallTable _pending;
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiveLoop;
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
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            throw new RpcException(RpcStatus.CannotBind, $"cannot reach {endPoint}: {e.Message}", e);
        }
        _pending = new PendingCallTable(options.Timeout, options.RetransmitInterval, options.MaxRetransmitInterval, Retransmit);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    protected override string TransportName => "udp";

    protected override ValueTask<TResult> StartCallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ValueTask.FromException<TResult>(new ObjectDisposedException(nameof(RpcClient)));
        }
        uint xid = NextXid();
        byte[] datagram;
        try
        {
            datagram = Encode(xid, procedure, arguments, credential);
        }
        catch (Exception e) when (e is RpcException or XdrException)
        {
            return ValueTask.FromException<TResult>(e);
        }
        TypedPendingCall<TResult> call = NewCall<TResult>(xid, procedure, credential);
        return Start(call, datagram, cancellationToken);
    }

    private ValueTask<T> Start<T>(PendingCall<T> call, byte[] datagram, CancellationToken cancellationToken)
    {
        call.Datagram = datagram;
        call.RetransmitIntervalMs = _initialRetransmitMs;
        if (!_pending.TryAdd(call, out RpcException? closed))
        {
            return ValueTask.FromException<T>((Exception?)closed ?? new InvalidOperationException($"xid {call.Xid} is already in use"));
        }
        call.RegisterCancellation(cancellationToken);
        try
        {
            _socket.Send(datagram);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            if (_pending.TryRemove(call))
            {
                call.Fail(SendFailed(e));
            }
        }
        return call.AsValueTask();
    }

    private byte[] Encode<TArgs>(uint xid, RpcProcedureDescriptor procedure, in TArgs arguments, OpaqueAuth credential)
        where TArgs : IXdrSerializable<TArgs>
    {
        PooledBufferWriter buffer = CallEncoder.Encode(xid, procedure, credential, Credentials.GetVerifier(credential), arguments,
            recordMarking: false, maxFragmentSize: int.MaxValue);
        try
        {
            return ToDatagram(buffer.WrittenSpan);
        }
        finally
        {
            BufferPool.Return(buffer);
        }
    }

    private byte[] ToDatagram(ReadOnlySpan<byte> message)
    {
        if (message.Length > Options.MaxUdpDatagramSize)
        {
            throw new RpcException(RpcStatus.MessageTooLarge,
                $"the call is {message.Length} bytes; a UDP datagram here holds at most {Options.MaxUdpDatagramSize}");
        }
        return message.ToArray();
    }

    private RpcException SendFailed(Exception e) => e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
        ? new RpcException(RpcStatus.CannotBind, $"{_endPoint} refused the datagram (port unreachable)", e)
        : new RpcException(RpcStatus.ConnectionLost, $"sending to {_endPoint} failed: {e.Message}", e);

    /// <summary>Called by the table's timer, under its lock.</summary>
    private void Retransmit(PendingCall call)
    {
        try
        {
            _socket.Send(call.Datagram!);
            ClientTelemetry.Retransmissions.Add(1);
            ClientLog.Retransmit(Logger, call.Xid, _endPoint);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // An ICMP error shows up here or in the receive loop; the call's timeout still runs.
        }
    }

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(Options.MaxUdpDatagramSize);
        while (!_closing.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await _socket.ReceiveAsync(buffer, SocketFlags.None, _closing.Token).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // ICMP port unreachable for an earlier datagram: nobody listens there (clnt_dg's RPC_CANTRECV).
                _pending.FailAll(RpcStatus.CannotBind, $"{_endPoint} is unreachable (ICMP port unreachable)", e);
                continue;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionReset)
            {
                continue; // an oversize datagram is dropped, like any reply we cannot read
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e)
            {
                ClientLog.ReceiveFailed(Logger, _endPoint, e);
                _pending.FailAll(RpcStatus.ConnectionLost, $"receiving from {_endPoint} failed: {e.Message}", e);
                continue;
            }
            if (!_pending.Dispatch(new ReadOnlySequence<byte>(buffer, 0, received)))
            {
                ClientTelemetry.DroppedReplies.Add(1);
                ClientLog.DroppedReply(Logger, _endPoint);
            }
        }
    }

    public override ValueTask SendOneWayAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        byte[] datagram = Encode(NextXid(), procedure, arguments, Credentials.GetCredential());
        return SendAsync(datagram, cancellationToken);
    }

    private async ValueTask SendAsync(byte[] datagram, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendAsync(datagram, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw SendFailed(e);
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
        return Start(call, ToDatagram(callMessage.Span), cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _pending.Close(new RpcException(RpcStatus.ConnectionLost, "the client was disposed"));
        _closing.Cancel();
        _socket.Dispose();
        try
        {
            await _receiveLoop.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Nothing left to report to.
        }
        _pending.Dispose();
        _closing.Dispose();
    }
}
