using System.Buffers;
using OncRpc.Diagnostics;
using OncRpc.Transport;
using OncRpc.Transport.Internal;
using OncRpc.Internal;

namespace OncRpc.Server.Internal;

internal sealed partial class EpollStreamConnection
{
    /// <summary>A single-fragment record is awaited whole (see <see cref="RecordDecoder"/>) up to
    /// this size, so the connection's own buffer may have to grow to it.</summary>
    private const int MaxContiguous = 256 * 1024 + RecordMarking.HeaderSize;

    // Loop thread only. Unread bytes live in the loop's shared buffer during one invocation; only
    // a partial record left over moves into a buffer of the connection's own, so an idle connection
    // holds no buffer at all.
    private byte[]? _ownBuffer;
    private int _start;
    private int _end;
    private int _readingEnded;
    private bool _pausedForCalls;
    private RecordTiming _recordTiming;

    internal override bool PausedAtCallLimit => Volatile.Read(ref _pausedForCalls);

    /// <summary>For tests: bytes read and held, not yet consumed (a record still arriving).
    /// Loop-thread state read from another thread: only for waiting until it settles.</summary>
    internal int HeldBytes => Volatile.Read(ref _end) - Volatile.Read(ref _start);

    private bool ReadingEnabled => _readingEnded == 0 && !_pausedForCalls && !_pausedForOutput;

    /// <summary>Reads until the socket is drained (a bounded number of reads, so one busy
    /// connection cannot starve the loop's others), running the calls as records complete.</summary>
    private void ReadAvailable()
    {
        byte[] buffer = _ownBuffer ?? _loop.ReadBuffer;
        try
        {
            for (int reads = 0; reads < 16 && ReadingEnabled && !IsClosed; reads++)
            {
                if (_end == buffer.Length)
                {
                    buffer = MakeRoom(buffer);
                }
                int space = buffer.Length - _end;
                int n = Libc.TryReceive(_handle, buffer.AsSpan(_end), out int errno);
                if (n > 0)
                {
                    _recordTiming.Arrived();
                    _end += n;
                    Volatile.Write(ref _lastActivity, _runtime.NowMs);
                    ProcessBuffered(buffer);
                    if (n < space)
                    {
                        return; // a short read: the socket is (very likely) empty
                    }
                    continue;
                }
                if (n == 0)
                {
                    if (_decoder.HasPartialRecord || _end > _start)
                    {
                        ServerLog.TruncatedRecord(_runtime.Logger, RemoteEndPoint);
                    }
                    EndReading("end of stream", graceful: false);
                }
                else if (errno != Libc.EAGAIN)
                {
                    EndReading("connection error: errno " + errno, graceful: false);
                }
                return;
            }
        }
        finally
        {
            KeepLeftover(buffer);
        }
    }

    /// <summary>The current buffer is full of unconsumed bytes (a record still arriving): compact
    /// it, or grow the connection's own buffer up to the zero-copy limit.</summary>
    private byte[] MakeRoom(byte[] buffer)
    {
        int pending = _end - _start;
        int size = _start > 0 ? buffer.Length : Math.Min(buffer.Length * 2, Math.Max(MaxContiguous, buffer.Length));
        byte[] target = ReferenceEquals(buffer, _ownBuffer) && size == buffer.Length ? buffer : BytePool.Rent(size);
        buffer.AsSpan(_start, pending).CopyTo(target);
        if (!ReferenceEquals(target, buffer) && ReferenceEquals(buffer, _ownBuffer))
        {
            BytePool.Return(buffer);
        }
        _ownBuffer = target;
        _start = 0;
        _end = pending;
        return target;
    }

    /// <summary>Runs every complete record in buffer[_start.._end) while reading is enabled, then
    /// sends the replies gathered.</summary>
    private void ProcessBuffered(byte[] buffer)
    {
        PooledBufferWriter batch = _loop.Batch;
        try
        {
            var pending = new ReadOnlySequence<byte>(buffer, _start, _end - _start);
            long before = pending.Length;
            try
            {
                while (ReadingEnabled && !IsClosed)
                {
                    if (!RunHeldCall(batch))
                    {
                        PauseForCalls();
                        break;
                    }
                    if (!_decoder.TryDecode(ref pending, out ReadOnlySequence<byte> record))
                    {
                        break;
                    }
                    if (RouteReply(record))
                    {
                        continue; // a backchannel reply: needs no call slot
                    }
                    if (_inFlight.Count >= _maxCalls)
                    {
                        // At the limit, read on until a call comes (backchannel replies must get
                        // through to the handlers holding the slots); hold that one call and pause.
                        HoldCall(record);
                        PauseForCalls();
                        break;
                    }
                    RunCall(record, batch);
                }
            }
            catch (RpcException e) when (e.Status == RpcStatus.MessageTooLarge)
            {
                // The stream cannot be resynchronised past a record we refuse to read.
                ServerLog.RecordTooLarge(_runtime.Logger, RemoteEndPoint, e.Message);
                _start = _end = 0;
                SendBatch(batch);
                EndReading("record too large", graceful: false);
                return;
            }
            _start += (int)(before - pending.Length);
            if (_start == _end)
            {
                _start = _end = 0;
                if (!_decoder.HasPartialRecord)
                {
                    _recordTiming.Idle();
                }
            }
        }
        finally
        {
            SendBatch(batch);
        }
    }

    private void RunCall(in ReadOnlySequence<byte> record, PooledBufferWriter batch)
    {
        long firstByte = _recordTiming.Take(out long complete);
        RpcCall call = _runtime.Calls.Begin(this, _transport, record, _callsToken, RemoteEndPoint, firstByte, complete);
        if (!_runtime.Calls.Run(call))
        {
            // The handler awaits: the loop reads on, so calls run concurrently; the reply goes
            // out through SendLateReplyAsync.
            return;
        }
        try
        {
            if (call.HasReply && !_callsToken.IsCancellationRequested)
            {
                ReadOnlyMemory<byte> reply = call.FinishStreamRecord();
                // A timed call's reply goes out on its own, so its send phase is its own write.
                if (reply.Length >= BatchLimit || call.Phases.On)
                {
                    SendBatch(batch);
                    Send(reply.Span);
                }
                else
                {
                    batch.Write(reply.Span);
                    if (batch.WrittenCount >= BatchLimit)
                    {
                        SendBatch(batch);
                    }
                }
            }
        }
        finally
        {
            _runtime.Calls.End(call);
        }
    }

    private void SendBatch(PooledBufferWriter batch)
    {
        if (batch.WrittenCount > 0)
        {
            Send(batch.WrittenSpan);
            batch.Reset();
        }
    }

    /// <summary>After a read: bytes of a partial record still in the loop's shared buffer move to
    /// the connection's own; an emptied own buffer goes back to the pool.</summary>
    private void KeepLeftover(byte[] buffer)
    {
        int pending = _end - _start;
        if (pending == 0)
        {
            if (_ownBuffer is not null)
            {
                BytePool.Return(_ownBuffer);
                _ownBuffer = null;
            }
            _start = _end = 0;
            return;
        }
        if (ReferenceEquals(buffer, _ownBuffer))
        {
            return;
        }
        byte[] own = BytePool.Rent(Math.Max(pending, 64 * 1024));
        buffer.AsSpan(_start, pending).CopyTo(own);
        _ownBuffer = own;
        _start = 0;
        _end = pending;
    }

    private void PauseForCalls()
    {
        Volatile.Write(ref _pausedForCalls, true);
        UpdateInterest();
        // A call may have finished between the check and the pause: look again.
        if (_inFlight.Count < _maxCalls)
        {
            _loop.Post(this);
        }
    }

    /// <summary>Loop thread: reading was paused (calls at the limit or output backed up); resume
    /// when the cause is gone, first with the records already buffered.</summary>
    private void ResumeIfPossible()
    {
        if (_pausedForCalls && _inFlight.Count < _maxCalls)
        {
            Volatile.Write(ref _pausedForCalls, false);
        }
        if (!ReadingEnabled)
        {
            return;
        }
        UpdateInterest();
        if (_end > _start || HasHeldCall)
        {
            byte[] buffer = _ownBuffer ?? _loop.ReadBuffer;
            ProcessBuffered(buffer);
            KeepLeftover(buffer);
        }
    }

    /// <summary>Loop thread, once reading has ended and the connection is closed.</summary>
    private void ReleaseReadState()
    {
        if (_ownBuffer is not null)
        {
            BytePool.Return(_ownBuffer);
            _ownBuffer = null;
        }
        _start = _end = 0;
        ReleaseHeldCall();
        _decoder.Dispose();
    }
}
