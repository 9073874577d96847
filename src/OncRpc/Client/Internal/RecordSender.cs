using System.Net.Sockets;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// The send side of one <see cref="StreamConnection"/>: records go out whole and in order.
/// <para>Invariant: one writer at a time. The writer role (<see cref="_writing"/>) is taken and
/// given up only under <see cref="_writeGate"/> (a documented lock, never held across a system
/// call); whoever holds it owns the socket's send side and <see cref="_batch"/>, and nobody else
/// touches either. A record queued while the role is held is sent by the holder before it gives
/// the role up (it re-checks the queue under the lock), so no record is left queued without a
/// writer. Once <see cref="Close"/> ran, nothing is queued or written any more.</para>
/// <para>A caller that finds nothing ahead of it (no writer, nothing queued, no batched records)
/// sends its record on its own thread with one system call; otherwise the record is queued and
/// the role holder drains the queue, copying records into one batch buffer so many concurrent
/// calls cost few writes. Batched calls (<see cref="OutgoingRecord.Flush"/> false) stay in the
/// batch buffer until a flushing record follows (libtirpc batching). Any failure while writing,
/// expected (socket errors) or not, closes the connection with that error, which fails the
/// pending calls: a send never stays stuck behind a drain that died.</para>
/// </summary>
internal sealed class RecordSender : IThreadPoolWorkItem, ILentRegionOwner
{
    private const int BatchLimit = 64 * 1024;

    private readonly StreamConnection _connection;
    private readonly ByteChannel _channel;
    private readonly CancellationToken _closingToken;
    private readonly Lock _writeGate = new();
    private readonly Queue<OutgoingRecord> _queue = new();   // under _writeGate
    private readonly List<OutgoingRecord> _draining = [];    // writer role only
    private readonly List<TaskCompletionSource> _written = []; // writer role only
    private PooledBufferWriter _batch = new(BatchLimit);    // writer role only
    private bool _writing;        // under _writeGate: the writer role is held (a direct sender or a drain)
    private bool _batched;        // under _writeGate: _batch holds batched records waiting for a flushing one
    private bool _closed;         // under _writeGate
    private Task _drain = Task.CompletedTask;
    private long _sendSystemCalls; // written by the writer role only
    private readonly SendPhaseMarks _sendPhases = new(); // writer role only
    private PooledBufferWriter? _lentRecord; // writer role: a record being encoded into the channel's output
    private bool _sendingLent;               // writer role: the lent record is being sent

    public RecordSender(StreamConnection connection, ByteChannel channel, CancellationToken closingToken)
    {
        _connection = connection;
        _channel = channel;
        _closingToken = closingToken;
    }

    /// <summary>Socket sends made so far (for tests: pipelined calls must share writes).</summary>
    internal long SendSystemCalls => Volatile.Read(ref _sendSystemCalls);

    /// <summary>Test seam: runs before each write of the drain, on the writer role's thread; what
    /// it throws is handled as a failure of that write.</summary>
    internal Action<ReadOnlyMemory<byte>>? BeforeDrainWrite { get; set; }

    /// <summary>The drain running or last run (awaited on dispose).</summary>
    public Task Completion => Volatile.Read(ref _drain);

    /// <summary>Before a synchronous caller encodes its record: where the channel takes records
    /// written in place (shared memory) and nothing is ahead, takes the writer role and lends
    /// <paramref name="record"/> (empty) the channel's output, so the record is encoded where it
    /// will be sent. The role is held until the record is sent (<see cref="Send"/>) or leaves the
    /// region otherwise (returned to the pool, moved out when it outgrew it): then it is given
    /// up as after a direct send.</summary>
    public void LendOutput(PooledBufferWriter record)
    {
        if (!_channel.WritesInPlace)
        {
            return; // small records are copied (the channel decides from the last one)
        }
        lock (_writeGate)
        {
            if (_closed || _writing || _batched || _queue.Count > 0)
            {
                return;
            }
            _writing = true;
        }
        Memory<byte> region = _channel.ReserveOutput();
        if (region.IsEmpty)
        {
            GiveUpRole();
            return;
        }
        _lentRecord = record;
        record.Lend(region, this);
    }

    /// <summary>The lent record left the channel's output.</summary>
    void ILentRegionOwner.Released()
    {
        _lentRecord = null;
        _channel.ReleaseOutput();
        if (!_sendingLent)
        {
            GiveUpRole(); // not sent from there: the role goes as after a send
        }
    }

    /// <summary>Holding the writer role after a write: gives it up, or drains what was queued meanwhile.</summary>
    private void GiveUpRole()
    {
        lock (_writeGate)
        {
            if (_queue.Count == 0 || _closed)
            {
                _writing = false;
                return;
            }
        }
        StartDrain();
    }

    /// <summary>Sends a flushing record: directly on this thread when nothing is ahead of it and
    /// <paramref name="allowDirect"/>, else through the queue. Returns false when the connection is
    /// closed (the buffer is then returned). A send failure closes the connection, which fails the
    /// pending calls, so the caller learns of it through its call.</summary>
    public bool Send(PooledBufferWriter record, bool allowDirect, PendingCall? call = null)
    {
        if (record.IsLent && ReferenceEquals(record, _lentRecord))
        {
            // Encoded in the channel's output, holding the writer role since LendOutput.
            _sendingLent = true;
            try
            {
                SendDirect(record, call);
            }
            finally
            {
                _sendingLent = false;
            }
            return true;
        }
        lock (_writeGate)
        {
            if (_closed)
            {
                BufferPool.Return(record);
                return false;
            }
            if (!allowDirect || _writing || _batched || _queue.Count > 0)
            {
                _queue.Enqueue(new OutgoingRecord(record, Flush: true, Call: call));
                if (_writing)
                {
                    return true;
                }
                _writing = true;
                allowDirect = false;
            }
            else
            {
                _writing = true;
            }
        }
        if (allowDirect)
        {
            SendDirect(record, call);
        }
        else if (_connection.Pending.Count > 1)
        {
            // Other calls are in flight: their callers are about to send too (typically the
            // continuations of the replies just read). Drain after them, from the thread pool, so
            // their records join this one in a single write instead of one system call each.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else
        {
            StartDrain();
        }
        return true;
    }

    /// <summary>Queues one whole record (framed, record marks in place) behind everything queued
    /// before it; the writer role sends it. Never blocks on the socket, so the reader role may
    /// call it. Returns false when the connection is closed; the buffer is then returned.</summary>
    public bool TryEnqueue(in OutgoingRecord record)
    {
        lock (_writeGate)
        {
            if (_closed)
            {
                BufferPool.Return(record.Buffer);
                return false;
            }
            _queue.Enqueue(record);
            if (_writing)
            {
                return true;
            }
            _writing = true;
        }
        StartDrain();
        return true;
    }

    void IThreadPoolWorkItem.Execute() => StartDrain();

    // The writer role is held by the caller; the task is kept for dispose only.
    private void StartDrain() => Volatile.Write(ref _drain, DrainAsync());

    /// <summary>Writer role: counts the writes just made (one writer at a time, so no atomic add).</summary>
    private void CountSends(int writes) => Volatile.Write(ref _sendSystemCalls, _sendSystemCalls + writes);

    /// <summary>Holding the writer role: one record, one blocking send on this thread.</summary>
    private void SendDirect(PooledBufferWriter record, PendingCall? call)
    {
        _sendPhases.Taken(call);
        try
        {
            CountSends(_channel.Send(record.WrittenSpan));
            _sendPhases.Sent();
            _connection.NoteActivity();
        }
        catch (Exception e)
        {
            // Socket errors, a send timeout (SO_SNDTIMEO) or anything unexpected: the record may be
            // half written, so the stream is unusable either way.
            _connection.Close(SendFailed(e));
        }
        finally
        {
            BufferPool.Return(record);
        }
        // Records queued while this one went out: the drain takes them, in order.
        GiveUpRole();
    }

    /// <summary>Runs while holding the writer role: writes what is queued, then gives the role up.</summary>
    private async Task DrainAsync()
    {
        try
        {
            while (true)
            {
                lock (_writeGate)
                {
                    while (!_closed && _queue.TryDequeue(out OutgoingRecord item))
                    {
                        _draining.Add(item);
                    }
                    if (_draining.Count == 0)
                    {
                        _batched = _batch.WrittenCount > 0;
                        _writing = false;
                        return;
                    }
                }
                await WriteDrainedAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_closingToken.IsCancellationRequested)
        {
            // Closed while sending; the calls were failed by Close.
            FailDrained(null);
        }
        catch (Exception e)
        {
            // Not only socket errors: whatever escapes a write (a bug, a failing test seam, an
            // exhausted pool) must fail the calls and close the connection. Leaving the writer role
            // held would strand every later record in the queue with nobody to send it.
            RpcException error = SendFailed(e);
            FailDrained(error);
            _connection.Close(error);
        }
    }

    private RpcException SendFailed(Exception e) => e is SocketException or ObjectDisposedException or IOException
        ? new RpcException(RpcStatus.ConnectionLost, $"sending to {_connection.RemoteEndPoint} failed: {e.Message}", e)
        : new RpcException(RpcStatus.ConnectionLost, $"sending to {_connection.RemoteEndPoint} failed unexpectedly: {e.Message}", e);

    private async Task WriteDrainedAsync()
    {
        // Bytes of the batch up to the last flushing record: those must go out now; any batched
        // records after it wait for the next flushing one.
        int flushUpTo = 0;
        for (int i = 0; i < _draining.Count; i++)
        {
            OutgoingRecord item = _draining[i];
            PooledBufferWriter record = item.Buffer;
            _draining[i] = default;
            _sendPhases.Taken(item.Call);
            if (item.Written is not null)
            {
                _written.Add(item.Written);
            }
            if (_batch.WrittenCount == 0 && item.Flush && record.WrittenCount >= BatchLimit)
            {
                // A large record goes out from its own buffer, not copied.
                try
                {
                    await SendAsync(record.WrittenMemory).ConfigureAwait(false);
                }
                finally
                {
                    BufferPool.Return(record);
                }
            }
            else
            {
                record.WrittenSpan.CopyTo(_batch.GetSpan(record.WrittenCount));
                _batch.Advance(record.WrittenCount);
                if (item.Flush)
                {
                    flushUpTo = _batch.WrittenCount;
                }
                BufferPool.Return(record);
            }
            if (_batch.WrittenCount >= BatchLimit)
            {
                // A full buffer goes out whole, batched records included (libtirpc does the same).
                await SendAsync(_batch.WrittenMemory).ConfigureAwait(false);
                _batch.Reset();
                flushUpTo = 0;
            }
        }
        _draining.Clear();
        if (flushUpTo > 0)
        {
            await SendAsync(_batch.WrittenMemory[..flushUpTo]).ConfigureAwait(false);
            int rest = _batch.WrittenCount - flushUpTo;
            if (rest > 0)
            {
                _batch.WrittenSpanForUpdate[flushUpTo..].CopyTo(_batch.WrittenSpanForUpdate);
            }
            _batch.Reset();
            _batch.Advance(rest);
        }
        if (_batch.WrittenCount == 0 && _batch.Capacity > 4 * BatchLimit)
        {
            // A burst of large batched calls grew the buffer; do not keep it per connection.
            _batch.Dispose();
            _batch = new PooledBufferWriter(BatchLimit);
        }
        _sendPhases.Sent();
        // Only flushing records carry a completion, and every one of them has been sent.
        foreach (TaskCompletionSource tcs in _written)
        {
            tcs.TrySetResult();
        }
        _written.Clear();
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        BeforeDrainWrite?.Invoke(data);
        // Hands the socket to the runtime's engine for good (see StreamConnection.IsAsyncMode).
        _connection.EnterAsyncMode();
        CountSends(await _channel.SendAsync(data, _closingToken).ConfigureAwait(false));
        _connection.NoteActivity();
    }

    /// <summary>After a failed drain, still holding the writer role: the records it held will
    /// never be sent; the role is given up.</summary>
    private void FailDrained(RpcException? error)
    {
        error ??= NotSent();
        foreach (OutgoingRecord item in _draining)
        {
            if (item.Buffer is not null)
            {
                BufferPool.Return(item.Buffer);
                item.Written?.TrySetException(error);
            }
        }
        _draining.Clear();
        foreach (TaskCompletionSource tcs in _written)
        {
            tcs.TrySetException(error);
        }
        _written.Clear();
        lock (_writeGate)
        {
            _writing = false;
        }
    }

    private static RpcException NotSent() => new(RpcStatus.ConnectionLost, "the connection closed before the call was sent");

    /// <summary>Part of <see cref="StreamConnection.Close"/>: nothing is queued from now on, and
    /// whatever is still queued will never be sent.</summary>
    public void Close()
    {
        OutgoingRecord[] items;
        lock (_writeGate)
        {
            _closed = true;
            items = [.. _queue];
            _queue.Clear();
        }
        foreach (OutgoingRecord item in items)
        {
            BufferPool.Return(item.Buffer);
            item.Written?.TrySetException(NotSent());
        }
    }

    /// <summary>After close: returns the batch buffer unless a writer still holds it (it is then
    /// left to the collector).</summary>
    public void DisposeBuffers()
    {
        lock (_writeGate)
        {
            if (!_writing)
            {
                _writing = true; // for good: nothing writes after this
                _batch.Dispose();
            }
        }
    }
}

/// <summary>A record queued for the send path.</summary>
/// <param name="Buffer">The record, framed; returned to the pool once written.</param>
/// <param name="Flush">False for a batched call: stays buffered until a flushing record follows.</param>
/// <param name="Written">Completed once the record has been handed to the socket (one-way calls).</param>
/// <param name="Call">The call the record carries, for its send phase (<see cref="SendPhaseMarks"/>).</param>
internal readonly record struct OutgoingRecord(PooledBufferWriter Buffer, bool Flush, TaskCompletionSource? Written = null, PendingCall? Call = null);
