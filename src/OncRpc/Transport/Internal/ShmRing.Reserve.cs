namespace OncRpc.Transport.Internal;

/// <summary>
/// Writing in place, the one way both sides do it (the client's calls in ShmChannel, the server's
/// replies in ShmServerConnection.InPlaceReply.cs): the writer takes the free space at <c>tail</c>
/// as memory to encode a record into (<see cref="Reserve"/>), and when that record is sent,
/// <see cref="ReservedRecord"/> recognises it by where it starts and <see cref="Commit"/>
/// publishes it instead of copying a finished record in. This saves a copy of every record on the
/// way out.
/// <para>Invariant: <see cref="_reservedAt"/> is not zero exactly while a region is reserved, from
/// <see cref="Reserve"/> to <see cref="Unreserve"/>; the caller holds the writer role all that
/// time, so nothing else moves <c>tail</c>, the free space there is its own, and the only record
/// that can start at <see cref="_reservedAt"/> is the one encoded in the region (nothing else
/// points into free space). The region is all the free space from <c>tail</c>, contiguous past
/// the ring's end thanks to the mapping's second view of the ring (a record that outgrows it is
/// moved out by its writer and streamed through the ring the usual way). The mapping stays
/// entered (not unmapped) while reserved. A hostile peer can scribble on the region meanwhile: that corrupts only what it is
/// sent, as the writer never reads back and decides anything from those bytes.</para>
/// <para>When: only after a record of <see cref="ReserveFrom"/> bytes or more went out on this
/// ring (reserving costs a fixed fraction of a microsecond, a copy saved about 1 µs per 32 KiB,
/// and a connection's next record is usually about as long as its last), and only when at least
/// <see cref="MinRegion"/> bytes are free (a record would likely outgrow less, and be copied
/// twice).</para>
/// </summary>
internal sealed unsafe partial class ShmRing
{
    /// <summary>Records are written in place only after one at least this long.</summary>
    public const int ReserveFrom = 4096;

    /// <summary>Less contiguous free space than this is not offered.</summary>
    public const int MinRegion = 256;

    private RingMemory? _writeMemory; // the writer's view of the whole data region, its second view included
    private nint _reservedAt;         // writer role: where the reserved region starts, while reserved
    private int _lastRecordLength;    // the last record sent (a hint, read without the writer role)
    private long _committedInPlace;   // writer role writes, tests read

    /// <summary>True when the last record sent was long enough for the next to be written in
    /// place (a hint: <see cref="Reserve"/> decides).</summary>
    public bool WorthReserving => Volatile.Read(ref _lastRecordLength) >= ReserveFrom;

    /// <summary>Records published where they were encoded (for tests).</summary>
    public long RecordsCommittedInPlace => Volatile.Read(ref _committedInPlace);

    /// <summary>Writer role: the free space at <c>tail</c> (contiguous) to encode the next record
    /// into, or empty (not worth it, too little space, or a broken ring: the copy
    /// path finds out). When not empty, <see cref="Unreserve"/> must follow.</summary>
    public Memory<byte> Reserve()
    {
        if (!WorthReserving)
        {
            return Memory<byte>.Empty;
        }
        bool entered = false;
        try
        {
            _mapping.DangerousAddRef(ref entered);
            long tail = Volatile.Read(ref *_tail);
            long used = tail - Volatile.Read(ref *_head); // acquire: the reader is done with the free space
            if ((ulong)used > (ulong)_size)
            {
                throw Corrupt();
            }
            int length = _size - (int)used;
            if (length < MinRegion)
            {
                _mapping.DangerousRelease();
                return Memory<byte>.Empty;
            }
            int start = (int)(tail & (_size - 1));
            Volatile.Write(ref _reservedAt, (nint)(_data + start));
            return (_writeMemory ??= new RingMemory(_data, 2 * _size)).Memory.Slice(start, length);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            if (entered)
            {
                _mapping.DangerousRelease();
            }
            return Memory<byte>.Empty;
        }
    }

    /// <summary>Ends a <see cref="Reserve"/> (after <see cref="Commit"/>, or instead of it).</summary>
    public void Unreserve()
    {
        Volatile.Write(ref _reservedAt, 0);
        _mapping.DangerousRelease();
    }

    /// <summary>Every record this side sends passes here first: notes its length (the hint for
    /// the next <see cref="Reserve"/>) and tells whether it is the record encoded in the reserved
    /// region, which the sender then publishes with <see cref="Commit"/> instead of copying it.</summary>
    public bool ReservedRecord(ReadOnlySpan<byte> record)
    {
        Volatile.Write(ref _lastRecordLength, record.Length);
        nint reservedAt = Volatile.Read(ref _reservedAt);
        fixed (byte* at = record)
        {
            return reservedAt != 0 && (nint)at == reservedAt;
        }
    }

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
        // Counted before it is published: whoever has seen the record sees it counted.
        Volatile.Write(ref _committedInPlace, _committedInPlace + 1); // writer role: one writer, no atomic add
        Volatile.Write(ref *_tail, tail + count); // release: the bytes (and the count) are in before the reader sees them
        WakeIfSleeping(_readerSleeping);
    }
}
