using System.Buffers;

namespace OncRpc.Transport.Internal;

/// <summary>
/// Reading in place: the reader looks at the readable bytes where they lie in the ring (one
/// segment, also past the ring's end, thanks to the mapping's second view of the ring) instead of
/// copying them out first, and frees only what it consumed. This saves a copy of every record on
/// the way in.
/// <para>Safety against the peer: the writer can rewrite the bytes while the reader looks at them
/// (they are past <c>tail</c> only for an honest writer). The view's bounds come from this side's
/// own validated snapshot of the counters, never from the shared memory again, so whatever the
/// bytes say, nothing outside the ring is read; and a consumer must copy what it validates
/// before it relies on it (the record decoder copies each record mark into a local before reading
/// it; a call's record is copied into the call's own buffer before it is decoded).</para>
/// </summary>
internal sealed unsafe partial class ShmRing
{
    /// <summary>Consumes a prefix of <paramref name="readable"/> (a view into the ring, valid only
    /// during the call) and returns how many bytes it consumed.</summary>
    public delegate long InPlaceReader(ReadOnlySequence<byte> readable);

    private RingMemory? _memory; // the reader's view of the whole data region, its second view included

    /// <summary>Reader: hands what is readable now, in place, to <paramref name="consume"/>, then
    /// frees what it consumed (release write of <c>head</c>, as <see cref="Read"/> does). Returns
    /// the bytes that were readable (0: the ring was empty, and <paramref name="consume"/> was not
    /// called). Never blocks. What was not consumed stays in the ring for the next read.</summary>
    public int ReadInPlace(InPlaceReader consume)
    {
        using ShmMapping.Use use = _mapping.Enter(); // the view stays mapped until consume returns
        long head = Volatile.Read(ref *_head);
        long count = Volatile.Read(ref *_tail) - head; // acquire: the bytes below tail are visible
        if ((ulong)count > (ulong)_size)
        {
            throw Corrupt();
        }
        if (count == 0)
        {
            return 0;
        }
        int n = (int)count;
        ReadOnlySequence<byte> view = new((_memory ??= new RingMemory(_data, 2 * _size)).Memory.Slice((int)(head & (_size - 1)), n));
        long consumed = consume(view);
        if ((ulong)consumed > (ulong)n)
        {
            throw new InvalidOperationException("consumed more than was readable");
        }
        if (consumed > 0)
        {
            Volatile.Write(ref *_head, head + consumed); // release: done with the bytes before the space is reused
            WakeIfSleeping(_writerWaiting);
        }
        return n;
    }

    /// <summary>The ring's data region as <see cref="Memory{T}"/> (no pinning needed: it is
    /// mapped memory, outside the GC heap; it lives as long as the mapping, which
    /// <see cref="ReadInPlace"/> holds while a view is out).</summary>
    private sealed class RingMemory(byte* data, int length) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => new(data, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(data + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
