using System.Buffers;
using System.Net.Sockets;
using OncRpc.Transport;

namespace OncRpc.Client.Internal;

/// <summary>
/// The reader role ("leader reads"). Invariant: while calls are pending, someone holds it. A
/// synchronous caller that finds it free reads on its own thread (poll, then recv: one context
/// switch per call, as libtirpc's clnt_call) and dispatches every reply it meets, others' included,
/// until its own call completes. Otherwise an async pump reads, and only while calls are pending.
/// Whoever gives the role up re-checks the table afterwards, so a call registered meanwhile (whose
/// caller saw the role held) is never left without a reader.
/// </summary>
internal sealed partial class StreamConnection
{
    private const int Idle = 0;
    private const int AsyncPump = 1;
    private const int SyncReader = 2;

    /// <summary>Longest a synchronous reader or waiter blocks before re-checking cancellation,
    /// deadline and connection state.</summary>
    internal const int SliceMilliseconds = 50;

    private const int InitialReadBuffer = 16 * 1024;
    private const int MinReceive = 4096;
    private const long IdleProbeMilliseconds = 1000;

    private readonly RecordDecoder _decoder;
    private int _reader;
    private Task _pump = Task.CompletedTask;
    private long _lastActivityTicks;

    // Unconsumed received bytes are _readBuffer[_readStart.._readEnd]; only the role holder touches them.
    private byte[] _readBuffer = new byte[InitialReadBuffer];
    private int _readStart;
    private int _readEnd;

    /// <summary>Called by every caller after registering and sending: makes sure someone reads.</summary>
    public void EnsureReader()
    {
        if (Volatile.Read(ref _reader) == Idle && Interlocked.CompareExchange(ref _reader, AsyncPump, Idle) == Idle)
        {
            _pump = PumpAsync();
        }
    }

    private bool TryTakeSyncReader() =>
        Volatile.Read(ref _reader) == Idle && Interlocked.CompareExchange(ref _reader, SyncReader, Idle) == Idle;

    private void ReleaseSyncReader()
    {
        Volatile.Write(ref _reader, Idle);
        if (Pending.Count > 0)
        {
            // Callers that found the role held wait on us; the pump takes over for them.
            EnsureReader();
        }
    }

    /// <summary>Blocks until <paramref name="call"/> (a sync call, registered and sent) completes,
    /// reading on this thread while nobody else does.</summary>
    public void WaitForReply(PendingCall call)
    {
        while (!call.IsSignaled)
        {
            if (TryTakeSyncReader())
            {
                ReadUntil(call);
            }
            // Either another reader will dispatch our reply, or ReadUntil stopped because the call
            // completed, timed out or the connection closed: its outcome is moments away.
            call.WaitSignaled(SliceMilliseconds);
        }
    }

    private void ReadUntil(PendingCall call)
    {
        RpcException? error = null;
        try
        {
            while (!call.IsSignaled && !Pending.IsClosed)
            {
                long now = Environment.TickCount64;
                if (now >= call.DeadlineTicks)
                {
                    Pending.TryTimeOut(call);
                    break;
                }
                int waitMs = (int)Math.Clamp(call.DeadlineTicks - now, 1, SliceMilliseconds);
                if (!_socket.Poll(waitMs * 1000, SelectMode.SelectRead))
                {
                    continue;
                }
                int received = _socket.Receive(ReceiveSpace().Span, SocketFlags.None, out SocketError status);
                if (status == SocketError.WouldBlock)
                {
                    continue;
                }
                if (status != SocketError.Success)
                {
                    error = new RpcException(RpcStatus.ConnectionLost, $"the connection to {RemoteEndPoint} failed: {status}",
                        new SocketException((int)status));
                    break;
                }
                if (received == 0)
                {
                    error = ServerClosed();
                    break;
                }
                OnReceived(received);
            }
        }
        catch (RpcException e)
        {
            error = e; // MessageTooLarge from the decoder
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            error = new RpcException(RpcStatus.ConnectionLost, $"the connection to {RemoteEndPoint} failed: {e.Message}", e);
        }
        if (error is not null)
        {
            Close(error);
        }
        ReleaseSyncReader();
    }

    private async Task PumpAsync()
    {
        RpcException? error;
        try
        {
            while (true)
            {
                if (Pending.Count == 0)
                {
                    Volatile.Write(ref _reader, Idle);
                    // A call added after the count was read may have seen the role held: take it back.
                    if (Pending.Count == 0 || Interlocked.CompareExchange(ref _reader, AsyncPump, Idle) != Idle)
                    {
                        return;
                    }
                }
                int received = await _socket.ReceiveAsync(ReceiveSpace(), SocketFlags.None, _closingToken).ConfigureAwait(false);
                if (received == 0)
                {
                    error = ServerClosed();
                    break;
                }
                OnReceived(received);
            }
        }
        catch (RpcException e)
        {
            error = e;
        }
        catch (OperationCanceledException) when (_closingToken.IsCancellationRequested)
        {
            error = new RpcException(RpcStatus.ConnectionLost, "the client was disposed");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            error = new RpcException(RpcStatus.ConnectionLost, $"the connection to {RemoteEndPoint} failed: {e.Message}", e);
        }
        Close(error);
    }

    private RpcException ServerClosed() => new(RpcStatus.ConnectionLost, $"the server at {RemoteEndPoint} closed the connection");

    /// <summary>Free space at the end of the read buffer, at least <see cref="MinReceive"/> bytes.</summary>
    private Memory<byte> ReceiveSpace()
    {
        if (_readStart == _readEnd)
        {
            _readStart = _readEnd = 0;
            if (_readBuffer.Length > 4 * InitialReadBuffer)
            {
                // A large reply grew the buffer; do not keep it per connection.
                _readBuffer = new byte[InitialReadBuffer];
            }
        }
        else if (_readBuffer.Length - _readEnd < MinReceive)
        {
            int live = _readEnd - _readStart;
            // The decoder waits for small single-fragment records whole, so the buffer grows to hold one.
            byte[] target = live + MinReceive > _readBuffer.Length ? new byte[Math.Max(2 * _readBuffer.Length, live + MinReceive)] : _readBuffer;
            Buffer.BlockCopy(_readBuffer, _readStart, target, 0, live);
            _readBuffer = target;
            _readStart = 0;
            _readEnd = live;
        }
        return _readBuffer.AsMemory(_readEnd);
    }

    /// <summary>Decodes the records completed by <paramref name="count"/> new bytes and hands them to the table.</summary>
    private void OnReceived(int count)
    {
        _readEnd += count;
        _lastActivityTicks = Environment.TickCount64;
        var buffer = new ReadOnlySequence<byte>(_readBuffer, _readStart, _readEnd - _readStart);
        while (_decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record))
        {
            if (!Pending.Dispatch(record))
            {
                ClientTelemetry.DroppedReplies.Add(1);
                ClientLog.DroppedReply(_logger, RemoteEndPoint);
            }
        }
        _readStart = _readEnd - (int)buffer.Length;
    }

    /// <summary>
    /// Nobody reads while no call is pending, so a server that closed the connection as idle goes
    /// unnoticed until a call is sent into it. Before a call on a connection quiet for a while,
    /// check for end of stream (one zero-timeout poll) so the call can go to a new connection
    /// instead. Returns true (having closed the connection) when the server has closed it.
    /// </summary>
    public bool ProbeClosedWhileIdle()
    {
        if (Environment.TickCount64 - _lastActivityTicks < IdleProbeMilliseconds || !TryTakeSyncReader())
        {
            return false;
        }
        bool closed = false;
        try
        {
            if (_socket.Poll(0, SelectMode.SelectRead))
            {
                int received = _socket.Receive(ReceiveSpace().Span, SocketFlags.None, out SocketError status);
                if (status == SocketError.Success && received > 0)
                {
                    OnReceived(received); // late replies: dropped
                }
                else if (status != SocketError.WouldBlock)
                {
                    closed = true;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or RpcException)
        {
            closed = true;
        }
        if (closed)
        {
            Close(ServerClosed());
        }
        ReleaseSyncReader();
        return closed;
    }

    private void DisposeReadBuffers()
    {
        // Taking the role for good keeps a late reader away from the decoder's pooled buffers.
        if (TryTakeSyncReader())
        {
            _decoder.Dispose();
        }
    }
}
