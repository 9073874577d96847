using System.Buffers;
using OncRpc.Internal;

namespace OncRpc.Transport;

/// <summary>
/// Reassembles records from a byte stream (RFC 5531 §11), as a parser over whatever bytes have
/// arrived. A record sent as one fragment and fully buffered is handed out as a slice of the
/// input, without copying; a multi-fragment record is copied fragment by fragment into a pooled
/// buffer as the fragments arrive, so the input never has to hold more than one fragment. The
/// cumulative record size is checked against the cap before anything is buffered, so a header
/// claiming 2^31-1 bytes costs nothing.
/// </summary>
/// <remarks>Not thread-safe: one decoder per connection, used by its read loop.</remarks>
internal sealed class RecordDecoder : IDisposable
{
    private readonly int _maxRecordSize;
    private byte[]? _assembly;          // fragments of the record in progress, when it has several
    private int _assembled;             // bytes of _assembly in use
    private bool _inRecord;             // part of a record has been consumed
    private bool _inFragment;           // a fragment header was consumed, its data not all yet
    private bool _fragmentLast;
    private int _fragmentRemaining;

    /// <summary>A single-fragment record up to this size is awaited whole and handed out without
    /// a copy; a larger one is copied as it arrives.</summary>
    private const int ZeroCopyWaitLimit = 256 * 1024;

    /// <summary>Creates a decoder refusing records over <paramref name="maxRecordSize"/> bytes.</summary>
    public RecordDecoder(int maxRecordSize = RecordMarking.DefaultMaxRecordSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordSize, 0);
        _maxRecordSize = maxRecordSize;
    }

    /// <summary>True while part of a record has been consumed but not its last fragment: the
    /// stream ending now would truncate a record.</summary>
    public bool HasPartialRecord => _inRecord;

    /// <summary>
    /// Takes the next complete record from the front of <paramref name="buffer"/>, which is sliced
    /// past what was consumed (consumed bytes may be fragment data copied into the decoder even when
    /// no record completes). The record is valid until the next call, and, when it is a slice of the
    /// input, until the input is advanced past it: process it at once or copy it.
    /// Throws <see cref="RpcException"/> with <see cref="RpcStatus.MessageTooLarge"/> when the record
    /// would exceed the cap; the stream is then unusable and should be closed.
    /// </summary>
    public bool TryDecode(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> record)
    {
        Span<byte> headerBytes = stackalloc byte[RecordMarking.HeaderSize];
        while (true)
        {
            if (!_inFragment)
            {
                if (buffer.Length < RecordMarking.HeaderSize)
                {
                    break;
                }
                buffer.Slice(0, RecordMarking.HeaderSize).CopyTo(headerBytes);
                (int length, bool last) = RecordMarking.ReadHeader(headerBytes);
                long total = (long)_assembled + length;
                if (total > _maxRecordSize)
                {
                    Reset();
                    throw new RpcException(RpcStatus.MessageTooLarge,
                        $"record of at least {total} bytes exceeds the limit of {_maxRecordSize}");
                }
                if (last && !_inRecord)
                {
                    if (buffer.Length - RecordMarking.HeaderSize >= length)
                    {
                        // The common case: a whole record in one fragment, handed out without a copy.
                        record = buffer.Slice(RecordMarking.HeaderSize, length);
                        buffer = buffer.Slice(record.End);
                        return true;
                    }
                    if (length <= ZeroCopyWaitLimit)
                    {
                        break; // wait for the rest rather than copy a small record
                    }
                }
                buffer = buffer.Slice(RecordMarking.HeaderSize);
                _inFragment = true;
                _inRecord = true;
                _fragmentRemaining = length;
                _fragmentLast = last;
            }

            // Copy what has arrived of the current fragment, so the input never holds more than
            // one read's worth of a large record.
            int n = (int)Math.Min(_fragmentRemaining, buffer.Length);
            if (n > 0)
            {
                Append(buffer.Slice(0, n));
                buffer = buffer.Slice(n);
                _fragmentRemaining -= n;
            }
            if (_fragmentRemaining > 0)
            {
                break;
            }
            _inFragment = false;
            if (_fragmentLast)
            {
                record = _assembled == 0
                    ? ReadOnlySequence<byte>.Empty
                    : new ReadOnlySequence<byte>(_assembly!, 0, _assembled);
                _assembled = 0; // the bytes stay valid until the next call appends
                _inRecord = false;
                return true;
            }
        }
        record = default;
        return false;
    }

    private void Append(ReadOnlySequence<byte> fragment)
    {
        int needed = checked(_assembled + (int)fragment.Length);
        if (_assembly is null || _assembly.Length < needed)
        {
            // Grow geometrically, but never past the cap: the cap was checked against the total.
            int size = Math.Min(Math.Max(needed, Math.Max(4096, (_assembly?.Length ?? 0) * 2)), _maxRecordSize);
            byte[] grown = BytePool.Rent(Math.Max(size, needed));
            if (_assembly is not null)
            {
                _assembly.AsSpan(0, _assembled).CopyTo(grown);
                BytePool.Return(_assembly);
            }
            _assembly = grown;
        }
        fragment.CopyTo(_assembly.AsSpan(_assembled));
        _assembled = needed;
    }

    private void Reset()
    {
        _assembled = 0;
        _inRecord = false;
        _inFragment = false;
        _fragmentRemaining = 0;
    }

    /// <summary>Returns the pooled assembly buffer.</summary>
    public void Dispose()
    {
        Reset();
        if (_assembly is not null)
        {
            BytePool.Return(_assembly);
            _assembly = null;
        }
    }
}
