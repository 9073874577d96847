using System.Buffers;
using OncRpc.Internal;

namespace OncRpc.Transport.Internal;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> over pooled arrays, reusable after <see cref="Reset"/>.
/// Can reserve a prefix (a record-marking header) to be filled once the length is known, so a
/// single-fragment record goes to the socket in one write with no copy.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialCapacity = 1024)
    {
        _buffer = BytePool.Rent(initialCapacity);
    }

    /// <summary>Bytes written, including any reserved prefix.</summary>
    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Writable view of what was written, for patching a reserved prefix.</summary>
    public Span<byte> WrittenSpanForUpdate => _buffer.AsSpan(0, _written);

    public void Reset() => _written = 0;

    /// <summary>Size of the underlying array.</summary>
    public int Capacity => _buffer.Length;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("advanced past the buffer");
        }
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        int needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }
        int size = (int)Math.Min(Math.Max((long)_buffer.Length * 2, needed), Array.MaxLength);
        byte[] grown = BytePool.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(grown);
        BytePool.Return(_buffer);
        _buffer = grown;
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            BytePool.Return(buffer);
        }
    }
}
