using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace OncRpc.Transport.Internal;

/// <summary>
/// The mapping one shared-memory connection lives in, created by the server per connection (a
/// memfd: no name in any file system, so nobody else can open it) and handed to the client over the
/// Unix socket. Layout: a 4 KiB header page (magic, version, ring size; then one control block per
/// direction with <c>tail</c>, <c>head</c> and the two futex words each on its own 128-byte line,
/// so the two sides' counters never share a cache line, nor an adjacent-line prefetch pair), then
/// the client-to-server ring, then the server-to-client ring.
/// <para>Each process maps each ring twice, back to back (<see cref="MapMirrored"/>), so the
/// <c>n</c> bytes at ring offset <c>start</c> are always contiguous at <c>Data + start</c>, for
/// any <c>start &lt; size</c> and <c>n &lt;= size</c>: a record that runs past the ring's end is
/// read, written and encoded in place like any other. The file (and so what the peer sees) is
/// unchanged: the second view is only an alias in this process's address space. Ring sizes are
/// powers of two of at least 4 KiB, and the header is 4 KiB, so every piece is page-aligned
/// (x86_64's base pages are 4 KiB).</para>
/// <para>Unmapping is reference counted (a <see cref="SafeHandle"/>): every access enters first,
/// so a connection disposed while a thread still reads or sleeps on the ring unmaps only once that
/// thread has left, never under it.</para>
/// </summary>
internal sealed unsafe class ShmMapping : SafeHandle
{
    public const int ClientToServer = 0;
    public const int ServerToClient = 1;

    public const int MinRingSize = 4096;
    public const int MaxRingSize = 64 * 1024 * 1024;

    private const int HeaderSize = 4096;
    private const int ControlOffset = 256;
    private const int ControlSize = 512;
    private const ulong Magic = 0x314D48534352504F; // "OPRCSHM1" little-endian
    private const uint Version = 1;

    private readonly long _length; // of the address range (with the mirrors), not of the file

    private ShmMapping(nint address, long length, int ringSize)
        : base(0, ownsHandle: true)
    {
        SetHandle(address);
        _length = length;
        RingSize = ringSize;
    }

    public int RingSize { get; }

    public override bool IsInvalid => handle == 0;

    /// <summary>The mapping's length for a ring size (both rings and the header).</summary>
    public static long LengthFor(int ringSize) => HeaderSize + 2L * ringSize;

    /// <summary>A valid ring size: a power of two between 4 KiB and 64 MiB.</summary>
    public static bool IsValidRingSize(long size) =>
        size is >= MinRingSize and <= MaxRingSize && (size & (size - 1)) == 0;

    /// <summary>Server: a new memfd (sealed at its size, so the peer cannot shrink it under this
    /// process's mapping), with an initialised header, and its mapping. The caller
    /// passes the descriptor to the client and then closes it (the mapping keeps the memory).</summary>
    public static ShmMapping Create(int ringSize, out int fd)
    {
        long length = LengthFor(ringSize);
        fd = ShmLibc.CreateMemory("oncrpc-shm", length);
        nint address;
        try
        {
            address = MapMirrored(fd, ringSize);
        }
        catch
        {
            ShmLibc.Close(fd);
            throw;
        }
        // A fresh memfd reads as zeros: counters and futex words start at 0.
        var header = new Span<byte>((void*)address, 16);
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], ringSize);
        return new ShmMapping(address, MirroredLength(ringSize), ringSize);
    }

    /// <summary>Client: maps what the server passed, after checking the descriptor is sealed
    /// against shrinking and really is as large as the header claims (touching past a memfd's
    /// end would be SIGBUS, not an exception). Throws <see cref="InvalidDataException"/> for anything that does not fit.</summary>
    public static ShmMapping Open(int fd, int ringSize)
    {
        if (!IsValidRingSize(ringSize))
        {
            throw new InvalidDataException($"the server offered a ring of {ringSize} bytes");
        }
        long length = LengthFor(ringSize);
        if (!ShmLibc.IsSealedAgainstShrinking(fd))
        {
            // Unsealed, the server could shrink it under our mapping: SIGBUS at the next access.
            throw new InvalidDataException("the shared mapping is not sealed against shrinking");
        }
        long actual = ShmLibc.SizeOf(fd);
        if (actual < length)
        {
            throw new InvalidDataException($"the shared mapping holds {actual} bytes, {length} needed");
        }
        nint address = MapMirrored(fd, ringSize);
        var mapping = new ShmMapping(address, MirroredLength(ringSize), ringSize);
        var header = new ReadOnlySpan<byte>((void*)address, 16);
        if (BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic
            || BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != Version
            || BinaryPrimitives.ReadInt32LittleEndian(header[12..]) != ringSize)
        {
            mapping.Dispose();
            throw new InvalidDataException("the shared mapping's header is not an OncRpc shared-memory connection's");
        }
        return mapping;
    }

    private static long MirroredLength(int ringSize) => HeaderSize + 4L * ringSize;

    /// <summary>The header, then each ring followed by a second view of itself.</summary>
    private static nint MapMirrored(int fd, int ringSize)
    {
        long toServer = HeaderSize;
        long toClient = HeaderSize + (long)ringSize;
        return ShmLibc.MapPieces(fd,
        [
            (0, HeaderSize + (long)ringSize), (toServer, ringSize),
            (toClient, ringSize), (toClient, ringSize),
        ]);
    }

    /// <summary>The control block (tail, head, futex words) of <paramref name="direction"/>.</summary>
    public byte* Control(int direction) => (byte*)handle + ControlOffset + direction * ControlSize;

    /// <summary>The ring bytes of <paramref name="direction"/>: <see cref="RingSize"/> bytes, then
    /// the same bytes again.</summary>
    public byte* Data(int direction) => (byte*)handle + HeaderSize + 2L * direction * RingSize;

    /// <summary>Enters the mapping for one access; throws <see cref="ObjectDisposedException"/>
    /// once it is disposed.</summary>
    public Use Enter()
    {
        bool entered = false;
        DangerousAddRef(ref entered);
        return new Use(this);
    }

    /// <summary>Enters unless disposed (then <paramref name="entered"/> is false).</summary>
    public Use TryEnter(out bool entered)
    {
        entered = false;
        try
        {
            DangerousAddRef(ref entered);
        }
        catch (ObjectDisposedException)
        {
            return default;
        }
        return new Use(this);
    }

    protected override bool ReleaseHandle() => ShmLibc.Munmap(handle, (nuint)_length) == 0;

    /// <summary>One access to the mapping; leaving it may unmap (the last one after dispose).</summary>
    public readonly ref struct Use(ShmMapping? mapping)
    {
        public void Dispose() => mapping?.DangerousRelease();
    }
}
