using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using OncRpc.Transport.Internal;

namespace OncRpc.Transport;

/// <summary>
/// The low level of the stream transports: whole records over any <see cref="Stream"/> (a TCP or
/// Unix socket, a pipe), with record marking (RFC 5531 §11) done for you and nothing else. Send a
/// hand-built call message and read the raw reply, or play the server side of a test.
/// One reader and one writer may use it at the same time; it is not otherwise thread-safe.
/// </summary>
internal sealed class RpcRecordStream : IAsyncDisposable
{
    private readonly PipeReader _reader;
    private readonly RecordDecoder _decoder;
    private readonly int _maxFragmentSize;
    private readonly bool _leaveOpen;

    /// <summary>Wraps <paramref name="stream"/>. Records read are capped at
    /// <paramref name="maxRecordSize"/> bytes (all fragments together); records written are split
    /// into fragments of at most <paramref name="maxFragmentSize"/> bytes.</summary>
    public RpcRecordStream(Stream stream, int maxRecordSize = RecordMarking.DefaultMaxRecordSize,
        int maxFragmentSize = RecordMarking.DefaultMaxFragmentSize, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFragmentSize, 1);
        Stream = stream;
        _maxFragmentSize = maxFragmentSize;
        _leaveOpen = leaveOpen;
        _decoder = new RecordDecoder(maxRecordSize);
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
    }

    /// <summary>Connects to a TCP (<see cref="IPEndPoint"/>, <see cref="DnsEndPoint"/>) or Unix
    /// (<see cref="UnixDomainSocketEndPoint"/>) end point. Connection failures throw
    /// <see cref="RpcException"/> with <see cref="RpcStatus.CannotBind"/>.</summary>
    public static async Task<RpcRecordStream> ConnectAsync(EndPoint endPoint, int maxRecordSize = RecordMarking.DefaultMaxRecordSize,
        int maxFragmentSize = RecordMarking.DefaultMaxFragmentSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        Socket socket = await SocketConnector.ConnectAsync(endPoint, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        return new RpcRecordStream(new NetworkStream(socket, ownsSocket: true), maxRecordSize, maxFragmentSize);
    }

    /// <summary>The underlying stream, for writing deliberately malformed bytes.</summary>
    public Stream Stream { get; }

    /// <summary>Writes <paramref name="record"/> as one record (one or more fragments) and flushes.</summary>
    public async ValueTask WriteRecordAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken = default)
    {
        PooledBufferWriter framed = BufferPool.Rent();
        try
        {
            RecordMarking.WriteRecord(framed, record, _maxFragmentSize);
            await Stream.WriteAsync(framed.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            BufferPool.Return(framed);
        }
    }

    /// <summary>Reads the next whole record (fragments joined). Returns null when the stream ends
    /// between records; throws <see cref="RpcException"/> with <see cref="RpcStatus.ConnectionLost"/>
    /// when it ends inside one and <see cref="RpcStatus.MessageTooLarge"/> when the record exceeds
    /// the cap (the stream is then unusable).</summary>
    public async ValueTask<byte[]?> ReadRecordAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ReadResult result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            bool found = _decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record);
            byte[]? copy = found ? record.ToArray() : null;
            _reader.AdvanceTo(buffer.Start, found ? buffer.Start : buffer.End);
            if (found)
            {
                return copy;
            }
            if (result.IsCompleted)
            {
                if (buffer.Length > 0 || _decoder.HasPartialRecord)
                {
                    throw new RpcException(RpcStatus.ConnectionLost, "the stream ended inside a record");
                }
                return null;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync().ConfigureAwait(false);
        _decoder.Dispose();
        if (!_leaveOpen)
        {
            await Stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
