using System.Buffers;
using System.Net.Sockets;
using OncRpc.Transport;

namespace OncRpc.Client.Internal;

/// <summary>
/// Reading replies, under the connection's <see cref="ReaderRole"/>. A synchronous caller that
/// finds the role free reads on its own thread (poll, then recv: one context switch per call, as
/// libtirpc's clnt_call) and dispatches every reply it meets, others' included, until its own call
/// completes. Otherwise the async pump reads, and only while calls are pending.
/// </summary>
internal sealed partial class StreamConnection
{
    /// <summary>Longest a synchronous reader or waiter blocks before re-checking cancellation,
    /// deadline and connection state.</summary>
    internal const int SliceMilliseconds = 50;

    private const int InitialReadBuffer = 16 * 1024;
    private const int MinReceive = 4096;
    private const long IdleProbeMilliseconds = 1000;

    private readonly RecordDecoder _decoder;
    private readonly ReaderRole _reader = new();
    private Task _pump = Task.CompletedTask;
    private long _lastActivityTicks;

    // Set before the first async operation on the socket, which hands it to the runtime's engine
    // for good (non-blocking from then on).
    private volatile bool _usedAsync;

    // Unconsumed received bytes are _readBuffer[_readStart.._readEnd]; only the role holder touches them.
    private readonly byte[] _ownReadBuffer = new byte[InitialReadBuffer];
    private byte[] _readBuffer;
    private int _readStart;
    private int _readEnd;

    /// <summary>Called by every caller after registering and sending: makes sure someone reads.</summary>
    public void EnsureReader() => _reader.EnsureReader();

    private void ReleaseSyncReader()
    {
        _reader.ReleaseSync();
        if (Pending.Count > 0 || Pending.ReadsAlways || Pending.IsClosed)
        {
            // Callers that found the role held wait on us; the pump takes over for them (or,
            // closed, wakes to exit).
            _reader.EnsureReader();
        }
    }

    /// <summary>Blocks until <paramref name="call"/> (a sync call, registered and sent) completes,
    /// reading on this thread while nobody else does.</summary>
    public void WaitForReply(PendingCall call)
    {
        while (!call.IsSignaled)
        {
            if (_reader.TryTakeSync())
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
                long now = Pending.NowMs;
                if (now >= call.DeadlineTicks)
                {
                    Pending.TryTimeOut(call);
                    break;
                }
                int received;
                SocketError status;
                if (!_usedAsync)
                {
                    // The socket never saw an async operation, so it is still a blocking one: one
                    // recv that blocks up to a slice (SO_RCVTIMEO) is the whole wait.
                    received = _socket.Receive(ReceiveSpace().Span, SocketFlags.None, out status);
                }
                else
                {
                    // The runtime's engine owns the socket now; its sync receive would wait through
                    // the engine's thread, so wait here in poll and receive only what is there.
                    int waitMs = (int)Math.Clamp(call.DeadlineTicks - now, 1, SliceMilliseconds);
                    if (!_socket.Poll(waitMs * 1000, SelectMode.SelectRead))
                    {
                        continue;
                    }
                    received = _socket.Receive(ReceiveSpace().Span, SocketFlags.None, out status);
                }
                if (status is SocketError.WouldBlock or SocketError.TimedOut)
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

    /// <summary>The async reader: one loop per connection, parked while nobody needs it, reading
    /// only while calls are pending. It exits when the connection closes, holding the role for good.</summary>
    private async Task PumpAsync()
    {
        RpcException? error = null;
        try
        {
            while (true)
            {
                await _reader.ParkAsync().ConfigureAwait(false);
                for (PumpStep step; (step = _reader.NextPumpStep(Pending)) != PumpStep.Park;)
                {
                    if (step == PumpStep.Exit)
                    {
                        return;
                    }
                    _usedAsync = true;
                    int received = await _socket.ReceiveAsync(ReceiveSpace(), SocketFlags.None, _closingToken).ConfigureAwait(false);
                    if (received == 0)
                    {
                        error = ServerClosed();
                        return;
                    }
                    OnReceived(received);
                }
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
        finally
        {
            if (error is not null)
            {
                Close(error);
            }
            _decoder.Dispose();
        }
    }

    private RpcException ServerClosed() => new(RpcStatus.ConnectionLost, $"the server at {RemoteEndPoint} closed the connection");

    /// <summary>Free space at the end of the read buffer, at least <see cref="MinReceive"/> bytes.
    /// The buffer grows (from the pool) to hold a record the decoder waits for whole, sized from
    /// its fragment header, and goes back to the pool once drained, so large replies neither
    /// allocate nor copy their first bytes over and over.</summary>
    private Memory<byte> ReceiveSpace()
    {
        if (_readStart == _readEnd)
        {
            _readStart = _readEnd = 0;
            if (!ReferenceEquals(_readBuffer, _ownReadBuffer))
            {
                ArrayPool<byte>.Shared.Return(_readBuffer);
                _readBuffer = _ownReadBuffer;
            }
        }
        else if (_readBuffer.Length - _readEnd < MinReceive)
        {
            int live = _readEnd - _readStart;
            byte[] target = _readBuffer;
            if (live + MinReceive > _readBuffer.Length)
            {
                int wanted = live + MinReceive;
                if (live >= RecordMarking.HeaderSize)
                {
                    // Usually a fragment header: the record the decoder waits for (a hint only; a
                    // record larger than the zero-copy limit is copied out by the decoder as it comes).
                    (int length, _) = RecordMarking.ReadHeader(_readBuffer.AsSpan(_readStart, RecordMarking.HeaderSize));
                    wanted = Math.Max(wanted, Math.Min(length, 256 * 1024) + RecordMarking.HeaderSize);
                }
                target = ArrayPool<byte>.Shared.Rent(Math.Max(2 * _readBuffer.Length, wanted));
            }
            Buffer.BlockCopy(_readBuffer, _readStart, target, 0, live);
            if (!ReferenceEquals(target, _readBuffer) && !ReferenceEquals(_readBuffer, _ownReadBuffer))
            {
                ArrayPool<byte>.Shared.Return(_readBuffer);
            }
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
            if (!ServeIfCall(record) && !Pending.Dispatch(record))
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
        if (Environment.TickCount64 - _lastActivityTicks < IdleProbeMilliseconds || !_reader.TryTakeSync())
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
}
