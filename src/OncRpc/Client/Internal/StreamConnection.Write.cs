using System.Net.Sockets;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// The send path. One writer at a time (the writer role, under <see cref="_writeGate"/>): a caller
/// that finds nothing ahead of it (no writer, nothing queued, no batched records) sends its record
/// on its own thread with one system call; otherwise the record is queued and whoever holds the
/// role drains the queue in order, copying records into one batch buffer so many concurrent calls
/// cost few writes. Records never interleave. Batched calls (<see cref="OutgoingRecord.Flush"/>
/// false) stay in the batch buffer until a flushing record follows (libtirpc batching).
/// </summary>
internal sealed partial class StreamConnection
{
    private const int BatchLimit = 64 * 1024;

    private readonly Lock _writeGate = new();
    private readonly Queue<OutgoingRecord> _queue = new();
    private readonly List<OutgoingRecord> _draining = [];
    private readonly List<TaskCompletionSource> _written = [];
    private PooledBufferWriter _batch;
    private bool _writing;        // the writer role is held (a direct sender or a drain)
    private bool _batched;        // _batch holds batched records waiting for a flushing one
    private bool _sendClosed;
    private Task _drain = Task.CompletedTask;
    private long _sendSystemCalls;
    private readonly SendPhaseMarks _sendPhases = new(); // writer role only

    /// <summary>Socket sends made so far (for tests: pipelined calls must share writes).</summary>
    internal long SendSystemCalls => Interlocked.Read(ref _sendSystemCalls);

    /// <summary>Sends a flushing record: directly on this thread when nothing is ahead of it and
    /// <paramref name="allowDirect"/>, else through the queue. Returns false when the connection is
    /// closed (the buffer is then returned). A send failure closes the connection, which fails the
    /// pending calls, so the caller learns of it through its call.</summary>
    public bool Send(PooledBufferWriter record, bool allowDirect, PendingCall? call = null)
    {
        lock (_writeGate)
        {
            if (_sendClosed)
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
        else if (Pending.Count > 1)
        {
            // Other calls are in flight: their callers are about to send too (typically the
            // continuations of the replies just read). Drain after them, from the thread pool, so
            // their records join this one in a single write instead of one system call each.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        else
        {
            _drain = DrainAsync();
        }
        return true;
    }

    void IThreadPoolWorkItem.Execute() => _drain = DrainAsync();

    private void SendDirect(PooledBufferWriter record, PendingCall? call)
    {
        _sendPhases.Taken(call);
        try
        {
            ReadOnlySpan<byte> data = record.WrittenSpan;
            while (!data.IsEmpty)
            {
                data = data[_socket.Send(data, SocketFlags.None)..];
                Interlocked.Increment(ref _sendSystemCalls);
            }
            _sendPhases.Sent();
            _lastActivityTicks = Environment.TickCount64;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Close(new RpcException(RpcStatus.ConnectionLost, $"sending to {RemoteEndPoint} failed: {e.Message}", e));
        }
        finally
        {
            BufferPool.Return(record);
        }
        lock (_writeGate)
        {
            if (_queue.Count == 0 || _sendClosed)
            {
                _writing = false;
                return;
            }
        }
        // Records queued while this one went out: the drain takes them, in order.
        _drain = DrainAsync();
    }

    /// <summary>Queues a record behind everything queued before it. Returns false when the
    /// connection is closed; the buffer is then returned to the pool.</summary>
    public bool TryEnqueue(in OutgoingRecord record)
    {
        lock (_writeGate)
        {
            if (_sendClosed)
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
        _drain = DrainAsync();
        return true;
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
                    while (!_sendClosed && _queue.TryDequeue(out OutgoingRecord item))
                    {
                        _draining.Add(item);
                    }
                    if (_draining.Count == 0)
                    {
                        _batched = _batch.WrittenCount > 0;
                        _writing = false;
                        break;
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
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            var error = new RpcException(RpcStatus.ConnectionLost, $"sending to {RemoteEndPoint} failed: {e.Message}", e);
            FailDrained(error);
            Close(error);
        }
    }

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
        _usedAsync = true;
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None, _closingToken).ConfigureAwait(false);
            Interlocked.Increment(ref _sendSystemCalls);
            data = data[sent..];
        }
        _lastActivityTicks = Environment.TickCount64;
    }

    /// <summary>After a failed drain: the records it held will never be sent.</summary>
    private void FailDrained(RpcException? error)
    {
        error ??= new RpcException(RpcStatus.ConnectionLost, "the connection closed before the call was sent");
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

    /// <summary>Part of <see cref="Close"/>: whatever is still queued will never be sent.</summary>
    private void CloseSendQueue()
    {
        OutgoingRecord[] items;
        lock (_writeGate)
        {
            _sendClosed = true;
            items = [.. _queue];
            _queue.Clear();
        }
        foreach (OutgoingRecord item in items)
        {
            BufferPool.Return(item.Buffer);
            item.Written?.TrySetException(new RpcException(RpcStatus.ConnectionLost, "the connection closed before the call was sent"));
        }
    }

    private void DisposeSendBuffers()
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
