using System.Buffers;
using OncRpc.Internal;

namespace OncRpc.Transport.Internal;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> over pooled arrays, reusable after <see cref="Reset"/>.
/// Can reserve a prefix (a record-marking header) to be filled once the length is known, so a
/// single-fragment record goes to the socket in one write with no copy.
/// <para>A transport may lend it a region of its own output (<see cref="Lend"/>: shared memory's
/// ring), written in place while it suffices: a record encoded there is sent without a copy. A
/// write that outgrows the region moves what was written into a pooled array and carries on
/// there. Leaving the region (moving out, <see cref="Reset"/>, <see cref="LeaveLent"/>) tells
/// its owner, once.</para>
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;
    private Memory<byte> _lent;           // the lent region, while _lentOwner is set
    private ILentRegionOwner? _lentOwner;

    public PooledBufferWriter(int initialCapacity = 1024)
    {
        _buffer = BytePool.Rent(initialCapacity);
    }

    /// <summary>Bytes written, including any reserved prefix.</summary>
    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _lentOwner is null ? _buffer.AsMemory(0, _written) : _lent[.._written];

    public ReadOnlySpan<byte> WrittenSpan => _lentOwner is null ? _buffer.AsSpan(0, _written) : _lent.Span[.._written];

    /// <summary>Writable view of what was written, for patching a reserved prefix.</summary>
    public Span<byte> WrittenSpanForUpdate => _lentOwner is null ? _buffer.AsSpan(0, _written) : _lent.Span[.._written];

    /// <summary>Forgets what was written (and leaves a lent region).</summary>
    public void Reset()
    {
        _written = 0;
        if (_lentOwner is not null)
        {
            LeaveLent();
        }
    }

    /// <summary>Size of the underlying array.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>True while writing into a lent region.</summary>
    public bool IsLent => _lentOwner is not null;

    /// <summary>Writes from now on go into <paramref name="region"/> (empty so far) until they
    /// outgrow it or the writer is reset; <paramref name="owner"/> is told when it is left.</summary>
    public void Lend(Memory<byte> region, ILentRegionOwner owner)
    {
        if (_lentOwner is not null)
        {
            LeaveLent();
        }
        _written = 0;
        _lent = region;
        _lentOwner = owner;
    }

    /// <summary>Leaves the lent region, keeping nothing written there (it was sent where it lay,
    /// or is dropped), and tells its owner.</summary>
    public void LeaveLent()
    {
        ILentRegionOwner? owner = _lentOwner;
        _lentOwner = null;
        _lent = default;
        _written = 0;
        owner?.Released();
    }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > (_lentOwner is null ? _buffer.Length : _lent.Length))
        {
            throw new InvalidOperationException("advanced past the buffer");
        }
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _lentOwner is null ? _buffer.AsMemory(_written) : _lent[_written..];
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _lentOwner is null ? _buffer.AsSpan(_written) : _lent.Span[_written..];
    }

    private void Ensure(int sizeHint)
    {
        int needed = _written + Math.Max(sizeHint, 1);
        if (_lentOwner is not null)
        {
            if (needed <= _lent.Length)
            {
                return;
            }
            MoveOutOfLent(needed);
            return;
        }
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

    /// <summary>The lent region is too small: what was written there moves into the pooled
    /// array (grown to <paramref name="needed"/>), and the owner gets its region back.</summary>
    private void MoveOutOfLent(int needed)
    {
        if (needed > _buffer.Length)
        {
            byte[] grown = BytePool.Rent(Math.Max(_buffer.Length * 2, needed));
            BytePool.Return(_buffer);
            _buffer = grown;
        }
        int written = _written;
        _lent.Span[..written].CopyTo(_buffer);
        LeaveLent();
        _written = written;
    }

    public void Dispose()
    {
        if (_lentOwner is not null)
        {
            LeaveLent();
        }
        byte[] buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            BytePool.Return(buffer);
        }
    }
}

/// <summary>Lends a <see cref="PooledBufferWriter"/> a region of its output
/// (<see cref="PooledBufferWriter.Lend"/>) and learns when the writer leaves it.</summary>
internal interface ILentRegionOwner
{
    /// <summary>The writer left the region (once per lend); the owner may reuse it.</summary>
    void Released();
}
