namespace OncRpc.Transport.Internal;

/// <summary>
/// Writing in place: the writer takes the free space at <c>tail</c> as memory to encode a record
/// into (<see cref="Reserve"/>), then publishes what it wrote (<see cref="Commit"/>) instead of
/// copying a finished record in. This saves a copy of every record on the way out.
/// <para>The region is the contiguous free space from <c>tail</c> to the ring's end (a record
/// does not wrap: one that outgrows the region is moved out by its writer and copied in, wrapping,
/// the usual way). Only the writer role writes free space, so the region is this side's until it
/// commits; the mapping stays entered (not unmapped) from <see cref="Reserve"/> to
/// <see cref="Unreserve"/>. A hostile peer can scribble on the region meanwhile: that corrupts
/// only what it is sent, as the writer never reads back and decides anything from those bytes.</para>
/// </summary>
internal sealed unsafe partial class ShmRing
{
    private RingMemory? _writeMemory; // the writer's view of the whole data region

    /// <summary>Writer role: the contiguous free space at <c>tail</c> (empty when the ring is
    /// full). The mapping stays entered until <see cref="Unreserve"/>, which must follow.</summary>
    public Memory<byte> Reserve()
    {
        bool entered = false;
        _mapping.DangerousAddRef(ref entered);
        try
        {
            long tail = Volatile.Read(ref *_tail);
            long used = tail - Volatile.Read(ref *_head); // acquire: the reader is done with the free space
            if ((ulong)used > (ulong)_size)
            {
                throw Corrupt();
            }
            int start = (int)(tail & (_size - 1));
            int length = (int)Math.Min(_size - used, _size - start);
            return (_writeMemory ??= new RingMemory(_data, _size)).Memory.Slice(start, length);
        }
        catch
        {
            _mapping.DangerousRelease();
            throw;
        }
    }

    /// <summary>Ends a <see cref="Reserve"/> (after <see cref="Commit"/>, or instead of it).</summary>
    public void Unreserve() => _mapping.DangerousRelease();

    /// <summary>Writer role, holding a reservation: publishes <paramref name="count"/> bytes
    /// written in place at <c>tail</c> (release write, then the reader's wakeup, as
    /// <see cref="Write"/> does).</summary>
    public void Commit(int count)
    {
        long tail = Volatile.Read(ref *_tail);
        long used = tail - Volatile.Read(ref *_head);
        if ((ulong)used > (ulong)_size || count > _size - used)
        {
            throw Corrupt(); // the peer moved head back over what was reserved
        }
        Volatile.Write(ref *_tail, tail + count); // release: the bytes are in before the reader sees them
        WakeIfSleeping(_readerSleeping);
    }
}
