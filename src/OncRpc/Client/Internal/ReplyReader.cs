using System.Buffers;
using System.Net.Sockets;
using OncRpc.Transport;
using OncRpc.Transport.Internal;
using OncRpc.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// The receive side of one <see cref="StreamConnection"/>: reads records under the connection's
/// <see cref="ReaderRole"/>, classifies each one (<see cref="OnRecord"/>, the only place) and hands
/// replies to the <see cref="PendingCallTable"/>. A synchronous caller that finds the role free
/// reads on its own thread (poll, then recv: one context switch per call, as libtirpc's
/// clnt_call) and dispatches every reply it meets, others' included, until its own call
/// completes. Otherwise the async pump reads, and only while calls are pending.
/// <para>Invariant: only the role holder touches the socket's receive side, the decoder and the
/// read buffer (<see cref="_readBuffer"/>, <see cref="_readStart"/>, <see cref="_readEnd"/>).
/// The role moves between threads through <see cref="ReaderRole"/>'s state, taken with a
/// compare-exchange and given up with an exchange: both full fences, so whatever one holder wrote
/// to that state is visible to the next (hand-off H1 in ReaderRole). Whoever gives the role up
/// re-checks the table afterwards and wakes the pump when calls are pending (H2), so a call never
/// waits for a reader that is not coming.</para>
/// </summary>
internal sealed class ReplyReader : ISyncReader, ILoopSocketReader
{
    private const int InitialReadBuffer = 16 * 1024;
    private const int MinReceive = 4096;

    private readonly StreamConnection _connection;
    private readonly ByteChannel _channel;
    private readonly Socket _socket;
    private readonly PendingCallTable _pending;
    private readonly CancellationToken _closingToken;
    private readonly RecordDecoder _decoder;
    private readonly ReaderRole _role;
    private readonly LoopReader? _loop; // the async reader of a plain socket on Linux; otherwise (TLS, shared memory) the pump
    private readonly Task _pump;
    private readonly ShmRing.InPlaceReader? _consumeInPlace; // where the channel reads in place (shared memory)
    private long _consumedInPlace; // role holder only
    private long _recordsInPlace;  // role holder only

    // Unconsumed received bytes are _readBuffer[_readStart.._readEnd]; role holder only.
    private readonly byte[] _ownReadBuffer = new byte[InitialReadBuffer];
    private byte[] _readBuffer;
    private int _readStart;
    private int _readEnd;
    private bool _receivedAny; // role holder only: a TLS close before any byte is a refusal

    public ReplyReader(StreamConnection connection, ByteChannel channel, int maxRecordSize, CancellationToken closingToken)
    {
        _connection = connection;
        _channel = channel;
        _socket = channel.Socket;
        _pending = connection.Pending;
        _closingToken = closingToken;
        _decoder = new RecordDecoder(maxRecordSize);
        _readBuffer = _ownReadBuffer;
        _consumeInPlace = channel.ReadsInPlace ? ConsumeInPlace : null;
        if (channel.ReadableByEpoll && ClientEventLoop.IsSupported)
        {
            // Awaited calls on a plain socket are read by the client's event loop.
            _loop = new LoopReader(_socket.SafeHandle, _pending, this, error => _connection.Close(error));
            _role = _loop.Role;
            _pump = _loop.Completion;
        }
        else
        {
            // Over TLS the bytes go through SslStream, over shared memory through the rings
            // (and off Linux there is no loop): an async pump reads. It parks at once without
            // touching the socket.
            _role = new ReaderRole();
            _pump = PumpAsync();
        }
    }

    /// <summary>Records decoded where they lay in the channel (for tests).</summary>
    internal long RecordsDecodedInPlace => Volatile.Read(ref _recordsInPlace);

    /// <summary>Who reads (for tests).</summary>
    internal ReaderRole Role => _role;

    /// <summary>The event loop's reader of this socket, when it has one (for tests).</summary>
    internal LoopReader? Loop => _loop;

    /// <summary>The async pump; completes once the connection closed.</summary>
    public Task Completion => _pump;

    /// <summary>Called by every caller after registering and sending, and by the connection after
    /// closing: makes sure someone reads (or, closed, that the pump wakes to exit).</summary>
    public void EnsureReader() => _role.EnsureReader();

    /// <summary>Called by a caller right after it sent <paramref name="call"/> (<paramref name="sendStarted"/>: from
    /// <see cref="SendTiming.Start"/>, 0 when untimed): the event loop's reader may read the reply
    /// on the spot (<see cref="LoopReader.AfterSend"/>); otherwise as <see cref="EnsureReader"/>.</summary>
    public void AfterSend(PendingCall call, long sendStarted)
    {
        if (_loop is { } loop)
        {
            loop.AfterSend(call, sendStarted);
        }
        else
        {
            _role.EnsureReader();
        }
    }

    /// <summary>Blocks until <paramref name="call"/> (a sync call, registered and sent) completes,
    /// reading on this thread while nobody else does.</summary>
    public void WaitForReply(PendingCall call)
    {
        if (_channel.ReadsDirectly)
        {
            _role.WaitForReply(call, this, _pending);
            return;
        }
        // Over TLS the decrypted bytes are inside SslStream, out of a socket poll's sight: the
        // pump reads, and this thread waits for the outcome, minding the call's deadline itself
        // (as ReadUntil does for a caller that reads).
        _role.EnsureReader();
        while (!call.IsSignaled)
        {
            if (_pending.NowMs >= call.DeadlineTicks)
            {
                _pending.TryTimeOut(call);
            }
            call.WaitSignaled(ReaderRole.SliceMilliseconds);
        }
    }

    /// <inheritdoc/>
    public bool ReceiveOnce(int waitMs)
    {
        RpcException? error = null;
        try
        {
            // The channel waits its own way: a socket polls or blocks in recv, shared memory
            // spins and then sleeps on its futex.
            int received = ReceiveSync(waitMs, out SocketError status);
            if (status is SocketError.WouldBlock or SocketError.TimedOut)
            {
                return true;
            }
            if (status != SocketError.Success)
            {
                error = new RpcException(RpcStatus.ConnectionLost, $"the connection to {_connection.RemoteEndPoint} failed: {status}",
                    new SocketException((int)status));
            }
            else if (received == 0)
            {
                error = _connection.ServerClosed();
            }
        }
        catch (RpcException e)
        {
            error = e; // MessageTooLarge from the decoder
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            error = new RpcException(RpcStatus.ConnectionLost, $"the connection to {_connection.RemoteEndPoint} failed: {e.Message}", e);
        }
        if (error is null)
        {
            return true;
        }
        _connection.Close(error);
        return false;
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
                await _role.ParkAsync().ConfigureAwait(false);
                for (PumpStep step; (step = _role.NextPumpStep(_pending)) != PumpStep.Park;)
                {
                    if (step == PumpStep.Exit)
                    {
                        return;
                    }
                    _connection.EnterAsyncMode();
                    int received = await _channel.ReceiveAsync(ReceiveSpace(), _closingToken).ConfigureAwait(false);
                    if (received == 0)
                    {
                        error = _connection.ServerClosed();
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
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException
            or System.Security.Authentication.AuthenticationException)
        {
            error = new RpcException(RpcStatus.ConnectionLost, $"the connection to {_connection.RemoteEndPoint} failed: {e.Message}", e);
        }
        finally
        {
            if (error is not null && !_channel.ReadsDirectly && !_receivedAny && !_closingToken.IsCancellationRequested)
            {
                // TLS 1.3 (RFC 8446 §4.4.2): the client's handshake completes before the server has
                // judged the client's certificate, so a refusal shows only now, as an alert or a
                // close before the first reply.
                error = new RpcException(RpcStatus.TlsFailed,
                    $"the server at {_connection.RemoteEndPoint} ended the TLS connection before any reply (was our certificate refused?): {error.Message}", error);
            }
            if (error is not null)
            {
                _connection.Close(error);
            }
            // The pump exits holding the role for good, so nobody else reads with the decoder.
            _decoder.Dispose();
        }
    }

    /// <summary>After a close: the loop, if it reads for this connection, looks now and lets go.</summary>
    public void NudgeLoop() => _loop?.Nudge();

    /// <summary>The event loop, holding the role: what the socket holds, without blocking. Stops at
    /// a short read (the socket is then empty: later bytes bring a new edge) unless told to read
    /// to the end (a hang-up came with the edge), or after a bound.</summary>
    bool ILoopSocketReader.ReadAvailable(bool toTheEnd)
    {
        RpcException? error = null;
        try
        {
            for (int reads = 0; reads < 16; reads++)
            {
                Memory<byte> space = ReceiveSpace();
                int received = Libc.TryReceive(_socket.SafeHandle, space.Span, out int errno);
                if (received > 0)
                {
                    OnReceived(received);
                    if (received < space.Length && !toTheEnd)
                    {
                        return true;
                    }
                    continue;
                }
                if (received == 0)
                {
                    error = _connection.ServerClosed();
                }
                else if (errno != Libc.EAGAIN)
                {
                    error = new RpcException(RpcStatus.ConnectionLost, $"the connection to {_connection.RemoteEndPoint} failed: errno {errno}",
                        Libc.SocketError(errno));
                }
                return true;
            }
            return false;
        }
        catch (RpcException e)
        {
            error = e; // MessageTooLarge from the decoder
            return true;
        }
        catch (ObjectDisposedException e)
        {
            error = new RpcException(RpcStatus.ConnectionLost, $"the connection to {_connection.RemoteEndPoint} failed: {e.Message}", e);
            return true;
        }
        finally
        {
            if (error is not null)
            {
                _connection.Close(error);
            }
        }
    }

    /// <summary>
    /// Nobody reads while no call is pending, so a server that closed the connection as idle goes
    /// unnoticed until a call is sent into it. One zero-timeout poll for end of stream, when the
    /// role is free: returns true when the server has closed the connection (the caller closes
    /// it); late replies found meanwhile are dispatched (dropped). Over TLS there is no looking
    /// without reading through SslStream: false (a call sent into a closed connection fails it).
    /// </summary>
    public bool ProbeClosed()
    {
        if (!_channel.ReadsDirectly || !_role.TryTakeSync())
        {
            return false; // someone reads: they will notice a close
        }
        bool closed = false;
        try
        {
            if (_socket.Poll(0, SelectMode.SelectRead))
            {
                int received = _socket.Receive(ReceiveSpace().Span, SocketFlags.None, out SocketError status);
                if (status == SocketError.Success && received > 0)
                {
                    OnReceived(received);
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
            _connection.Close(_connection.ServerClosed());
        }
        _role.ReleaseSync(_pending);
        return closed;
    }

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
                BytePool.Return(_readBuffer);
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
                target = BytePool.Rent(Math.Max(2 * _readBuffer.Length, wanted));
            }
            Buffer.BlockCopy(_readBuffer, _readStart, target, 0, live);
            if (!ReferenceEquals(target, _readBuffer) && !ReferenceEquals(_readBuffer, _ownReadBuffer))
            {
                BytePool.Return(_readBuffer);
            }
            _readBuffer = target;
            _readStart = 0;
            _readEnd = live;
        }
        return _readBuffer.AsMemory(_readEnd);
    }

    /// <summary>A synchronous reader's receive, holding the role: waits up to
    /// <paramref name="waitMs"/> and decodes what came (as <see cref="ByteChannel.Receive"/> for
    /// the status and the count). Where the channel reads in place and nothing is buffered, whole
    /// records are decoded where they lie (<see cref="ConsumeInPlace"/>), which saves copying
    /// every reply into the read buffer; a record not yet whole is copied out and read on from the
    /// buffer until that drains (it may be larger than the ring, so it cannot wait there whole).</summary>
    private int ReceiveSync(int waitMs, out SocketError status)
    {
        if (_consumeInPlace is { } consume && _readStart == _readEnd)
        {
            int readable = _channel.ReceiveInPlace(consume, waitMs, out status);
            if (status != SocketError.Success || readable == 0 || _consumedInPlace == readable)
            {
                return readable;
            }
            waitMs = 0; // the rest of the readable bytes are there: no wait
        }
        int received = _channel.Receive(ReceiveSpace().Span, waitMs, _connection.IsAsyncMode, out status);
        if (status == SocketError.Success && received > 0)
        {
            OnReceived(received);
        }
        return received;
    }

    /// <summary>The in-place reader: decodes every whole record of <paramref name="view"/> (bytes
    /// the peer can rewrite at any moment) and returns the bytes consumed. Safe against that: the
    /// view's bounds are this side's validated snapshot, the decoder copies each record mark
    /// before it reads it, and the reply decoder reads every length once, into a local, and
    /// checks it against the bytes left before it copies; so rewritten bytes make at worst a
    /// wrong reply, as a lying peer could send anyway, never a read outside the ring. A call from
    /// the server (a callback) is copied before it is handed on, as it may outlive the view.</summary>
    private long ConsumeInPlace(ReadOnlySequence<byte> view)
    {
        _receivedAny = true;
        _connection.NoteActivity();
        ReadOnlySequence<byte> rest = view;
        while (_decoder.TryDecode(ref rest, out ReadOnlySequence<byte> record))
        {
            OnRecord(record, inPlace: true);
            _recordsInPlace++;
        }
        _consumedInPlace = view.Length - rest.Length;
        return _consumedInPlace;
    }

    /// <summary>Decodes the records completed by <paramref name="count"/> new bytes.</summary>
    private void OnReceived(int count)
    {
        _receivedAny = true;
        _readEnd += count;
        _connection.NoteActivity();
        var buffer = new ReadOnlySequence<byte>(_readBuffer, _readStart, _readEnd - _readStart);
        while (_decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record))
        {
            OnRecord(record);
        }
        _readStart = _readEnd - (int)buffer.Length;
    }

    /// <summary>
    /// The one place a received record is classified before reply matching: the table reads its
    /// msg_type (RFC 5531 §9: the word after the xid). A REPLY completes the pending call with its
    /// xid; a CALL (the server calling a service on this client) goes to
    /// <see cref="StreamConnection.OnCallRecord"/>; anything else, or a reply nobody waits for
    /// (late, unknown, duplicate), is dropped. The record's bytes are valid during the call only.
    /// </summary>
    private void OnRecord(in ReadOnlySequence<byte> record, bool inPlace = false)
    {
        switch (_pending.Dispatch(record, _loop is { IsReading: true } ? _role : null))
        {
            case DispatchOutcome.Completed:
                break;
            case DispatchOutcome.Call:
                _connection.OnCallRecord(inPlace ? new ReadOnlySequence<byte>(record.ToArray()) : record);
                break;
            default:
                _connection.OnDroppedRecord();
                break;
        }
    }
}
