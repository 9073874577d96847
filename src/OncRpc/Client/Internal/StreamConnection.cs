using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OncRpc.Transport;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// One TCP or Unix connection: a pending-call table, one read loop that reassembles reply records
/// and hands them to the table, and one write loop that drains queued records into a batch buffer
/// and sends it with one system call, so records never interleave and many concurrent calls cost
/// few writes. Batched calls (<see cref="OutgoingRecord.Flush"/> false) stay in the batch buffer
/// until a flushing record follows (libtirpc batching).
/// </summary>
internal sealed class StreamConnection : IAsyncDisposable
{
    private const int BatchLimit = 64 * 1024;

    private readonly Socket _socket;
    private readonly RpcClientOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<OutgoingRecord> _outgoing =
        Channel.CreateUnbounded<OutgoingRecord>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _readLoop;
    private readonly Task _writeLoop;

    public StreamConnection(Socket socket, RpcClientOptions options, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _logger = logger;
        RemoteEndPoint = socket.RemoteEndPoint;
        Pending = new PendingCallTable(options.Timeout, options.RetransmitInterval, options.MaxRetransmitInterval, retransmit: null);
        _readLoop = Task.Run(ReadLoopAsync);
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    public PendingCallTable Pending { get; }

    public EndPoint? RemoteEndPoint { get; }

    public bool IsClosed => Pending.IsClosed;

    /// <summary>Queues a complete record. Returns false when the connection is closed; the
    /// buffer is then returned to the pool.</summary>
    public bool TryEnqueue(in OutgoingRecord record)
    {
        if (_outgoing.Writer.TryWrite(record))
        {
            return true;
        }
        BufferPool.Return(record.Buffer);
        return false;
    }

    private async Task ReadLoopAsync()
    {
        RpcException? error = null;
        var stream = new NetworkStream(_socket, ownsSocket: false);
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true));
        using var decoder = new RecordDecoder(_options.MaxRecordSize);
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(_closing.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record))
                {
                    if (!Pending.Dispatch(record))
                    {
                        ClientTelemetry.DroppedReplies.Add(1);
                        ClientLog.DroppedReply(_logger, RemoteEndPoint);
                    }
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
            error = new RpcException(RpcStatus.ConnectionLost, $"the server at {RemoteEndPoint} closed the connection");
        }
        catch (RpcException e)
        {
            error = e; // MessageTooLarge from the decoder
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            error = new RpcException(RpcStatus.ConnectionLost, "the client was disposed");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            error = new RpcException(RpcStatus.ConnectionLost, $"the connection to {RemoteEndPoint} failed: {e.Message}", e);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
            Close(error ?? new RpcException(RpcStatus.ConnectionLost, "the connection closed"));
        }
    }

    private async Task WriteLoopAsync()
    {
        ChannelReader<OutgoingRecord> queue = _outgoing.Reader;
        var batch = new PooledBufferWriter(BatchLimit);
        var written = new List<TaskCompletionSource>();
        try
        {
            while (await queue.WaitToReadAsync().ConfigureAwait(false))
            {
                // Bytes of the batch up to the last flushing record: those must go out now; any
                // batched records after it wait for the next flushing one.
                int flushUpTo = 0;
                while (queue.TryRead(out OutgoingRecord item))
                {
                    PooledBufferWriter record = item.Buffer;
                    if (batch.WrittenCount == 0 && item.Flush && record.WrittenCount >= BatchLimit)
                    {
                        // A large record goes out from its own buffer, not copied.
                        await SendAsync(record.WrittenMemory).ConfigureAwait(false);
                    }
                    else
                    {
                        record.WrittenSpan.CopyTo(batch.GetSpan(record.WrittenCount));
                        batch.Advance(record.WrittenCount);
                        if (item.Flush)
                        {
                            flushUpTo = batch.WrittenCount;
                        }
                    }
                    BufferPool.Return(record);
                    if (item.Written is not null)
                    {
                        written.Add(item.Written);
                    }
                    if (batch.WrittenCount >= BatchLimit)
                    {
                        // A full buffer goes out whole, batched records included (libtirpc does the same).
                        await SendAsync(batch.WrittenMemory).ConfigureAwait(false);
                        batch.Reset();
                        flushUpTo = 0;
                    }
                }
                if (flushUpTo > 0)
                {
                    await SendAsync(batch.WrittenMemory[..flushUpTo]).ConfigureAwait(false);
                    int rest = batch.WrittenCount - flushUpTo;
                    if (rest > 0)
                    {
                        batch.WrittenSpanForUpdate[flushUpTo..].CopyTo(batch.WrittenSpanForUpdate);
                    }
                    batch.Reset();
                    batch.Advance(rest);
                }
                if (batch.WrittenCount == 0 && batch.Capacity > 4 * BatchLimit)
                {
                    // A burst of large batched calls grew the buffer; do not keep it per connection.
                    batch.Dispose();
                    batch = new PooledBufferWriter(BatchLimit);
                }
                // Only flushing records carry a completion, and every one of them has been sent.
                foreach (TaskCompletionSource tcs in written)
                {
                    tcs.TrySetResult();
                }
                written.Clear();
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            // Closed while sending; the calls were failed by Close.
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            var error = new RpcException(RpcStatus.ConnectionLost, $"sending to {RemoteEndPoint} failed: {e.Message}", e);
            foreach (TaskCompletionSource tcs in written)
            {
                tcs.TrySetException(error);
            }
            Close(error);
        }
        finally
        {
            batch.Dispose();
            // Whatever is still queued will never be sent.
            while (queue.TryRead(out OutgoingRecord item))
            {
                BufferPool.Return(item.Buffer);
                item.Written?.TrySetException(new RpcException(RpcStatus.ConnectionLost, "the connection closed before the call was sent"));
            }
            foreach (TaskCompletionSource tcs in written)
            {
                tcs.TrySetException(new RpcException(RpcStatus.ConnectionLost, "the connection closed before the call was sent"));
            }
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            int sent = await _socket.SendAsync(data, SocketFlags.None, _closing.Token).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    /// <summary>Fails every pending call with <paramref name="error"/> and shuts the socket.</summary>
    public void Close(RpcException error, bool log = true)
    {
        if (Pending.IsClosed)
        {
            return;
        }
        int pending = Pending.Count;
        Pending.Close(error);
        _outgoing.Writer.TryComplete();
        if (log)
        {
            ClientLog.ConnectionLost(_logger, RemoteEndPoint, pending, error);
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _closing.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        Close(new RpcException(RpcStatus.ConnectionLost, "the client was disposed"), log: false);
        try
        {
            await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Loop failures were turned into call failures already.
        }
        _socket.Dispose();
        Pending.Dispose();
        _closing.Dispose();
    }
}

/// <summary>A record queued for the write loop.</summary>
/// <param name="Buffer">The record, framed; returned to the pool once written.</param>
/// <param name="Flush">False for a batched call: stays buffered until a flushing record follows.</param>
/// <param name="Written">Completed once the record has been handed to the socket (one-way calls).</param>
internal readonly record struct OutgoingRecord(PooledBufferWriter Buffer, bool Flush, TaskCompletionSource? Written = null);
