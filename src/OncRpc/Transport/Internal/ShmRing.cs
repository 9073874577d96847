using System.Diagnostics;

namespace OncRpc.Transport.Internal;

/// <summary>
/// One direction of a shared-memory connection: a single-producer single-consumer byte ring in a
/// mapping two processes share (<see cref="ShmMapping"/>). It carries a byte stream, and the
/// stream carries RPC records with record marking (RFC 5531 §11) exactly as a socket does, so a
/// record larger than the ring is simply streamed through it while the reader drains it.
/// <para>Invariant (memory ordering): <c>tail</c> (bytes ever written) is written only by the
/// writer, <c>head</c> (bytes ever read) only by the reader; both only grow, and
/// <c>0 &lt;= tail - head &lt;= size</c>. The writer copies bytes in, then publishes
/// <c>tail</c> with a release write; the reader reads <c>tail</c> with an acquire read before
/// copying out or looking at the bytes in place (so it sees them), then publishes <c>head</c>
/// with a release write only once it is done with them (in place: after the consumer returned,
/// and only past what it consumed; see ShmRing.InPlace.cs); the writer
/// reads <c>head</c> with an acquire read before reusing that space. One thread at a time holds
/// each role in a process (the client's reader and writer roles, the server's read loop and write
/// lock); moving a role between threads goes through a full fence there.</para>
/// <para>Sleeping (no lost wakeup): a side that found nothing to do spins briefly, then stores 1
/// into its futex word with a full fence (<see cref="Interlocked.Exchange(ref int, int)"/>),
/// re-checks the ring, and only then sleeps in FUTEX_WAIT on the word being 1. The other side
/// publishes its counter, issues a full fence, and wakes the word when it reads 1 (storing 0
/// first). Either the sleeper's re-check sees the new counter, or the publisher sees the 1: a
/// store-fence-load pair on each side (Dekker) rules out both missing. <see cref="Cancel"/> wakes
/// both words the same way, after its flag, so a side whose peer died or that is closing never
/// sleeps on.</para>
/// <para>Contiguity: the mapping holds the ring's bytes twice, back to back
/// (<see cref="ShmMapping"/>), so any <c>n &lt;= size</c> bytes from any offset in the ring lie
/// in one piece at <c>_data + offset</c>; a record never wraps, for copies and in place alike.</para>
/// <para>A hostile or broken peer can write anything into the shared counters: a count out of
/// range is an <see cref="IOException"/> (the connection closes), and every access starts at an
/// offset masked into the ring and spans at most its size, so nothing is read or written outside
/// the mapping.</para>
/// </summary>
internal sealed unsafe partial class ShmRing
{
    private readonly ShmMapping _mapping;
    private readonly byte* _data;
    private readonly long* _tail;
    private readonly long* _head;
    private readonly int* _readerSleeping;
    private readonly int* _writerWaiting;
    private readonly int _size;
    private readonly long _spinTicks;
    private volatile bool _cancelled;

    public ShmRing(ShmMapping mapping, int direction, long spinTicks)
    {
        _mapping = mapping;
        _size = mapping.RingSize;
        byte* control = mapping.Control(direction);
        _tail = (long*)control;
        _head = (long*)(control + 128);
        _readerSleeping = (int*)(control + 256);
        _writerWaiting = (int*)(control + 384);
        _data = mapping.Data(direction);
        _spinTicks = spinTicks;
    }

    public int Size => _size;

    /// <summary>True once <see cref="Cancel"/> ran: waits return at once.</summary>
    public bool IsCancelled => _cancelled;

    /// <summary>Bytes the reader can take now.</summary>
    public int Readable
    {
        get
        {
            using ShmMapping.Use use = _mapping.Enter();
            return Used();
        }
    }

    /// <summary>Bytes in the ring; the caller has entered the mapping.</summary>
    private int Used()
    {
        long count = Volatile.Read(ref *_tail) - Volatile.Read(ref *_head);
        return (ulong)count <= (ulong)_size ? (int)count : throw Corrupt();
    }

    /// <summary>Reader: copies out what is there (up to <paramref name="destination"/>'s length);
    /// 0 when the ring is empty. Never blocks.</summary>
    public int Read(Span<byte> destination)
    {
        using ShmMapping.Use use = _mapping.Enter();
        long head = Volatile.Read(ref *_head);
        long count = Volatile.Read(ref *_tail) - head; // acquire: the bytes below tail are visible
        if ((ulong)count > (ulong)_size)
        {
            throw Corrupt();
        }
        int n = (int)Math.Min(count, destination.Length);
        if (n == 0)
        {
            return 0;
        }
        // One copy even past the ring's end: the mapping repeats the ring right after it.
        new ReadOnlySpan<byte>(_data + (head & (_size - 1)), n).CopyTo(destination);
        Volatile.Write(ref *_head, head + n); // release: our copy is done before the space is reused
        WakeIfSleeping(_writerWaiting);
        return n;
    }

    /// <summary>Writer: copies in what fits (up to all of <paramref name="source"/>); 0 when the
    /// ring is full. Never blocks.</summary>
    public int Write(ReadOnlySpan<byte> source)
    {
        using ShmMapping.Use use = _mapping.Enter();
        long tail = Volatile.Read(ref *_tail);
        long used = tail - Volatile.Read(ref *_head); // acquire: the reader is done with the free space
        if ((ulong)used > (ulong)_size)
        {
            throw Corrupt();
        }
        int n = (int)Math.Min(_size - used, source.Length);
        if (n == 0)
        {
            return 0;
        }
        source[..n].CopyTo(new Span<byte>(_data + (tail & (_size - 1)), n)); // contiguous: see Read
        Volatile.Write(ref *_tail, tail + n); // release: the bytes are in before the reader sees them
        WakeIfSleeping(_readerSleeping);
        return n;
    }

    /// <summary>Writer: writes all of <paramref name="source"/>, waiting for space as the reader
    /// drains (a record larger than the ring streams through it). Throws
    /// <see cref="IOException"/> when cancelled (the peer died, the connection closes) or when no
    /// space came within <paramref name="timeoutMs"/> (negative: no limit).</summary>
    public void WriteAll(ReadOnlySpan<byte> source, int timeoutMs)
    {
        long deadline = timeoutMs < 0 ? long.MaxValue : Stopwatch.GetTimestamp() + timeoutMs * Stopwatch.Frequency / 1000;
        while (!source.IsEmpty)
        {
            if (_cancelled)
            {
                throw new IOException("the shared-memory connection closed");
            }
            int n = Write(source);
            source = source[n..];
            if (n == 0 && !WaitWritable(deadline))
            {
                throw new IOException(_cancelled ? "the shared-memory connection closed" : "the peer stopped reading the shared-memory ring");
            }
        }
    }

    /// <summary>Reader: waits until there is something to read (true), or until
    /// <paramref name="deadline"/> (a <see cref="Stopwatch"/> timestamp) or <see cref="Cancel"/>
    /// (false). Spins briefly (unless <paramref name="spin"/> is false), then sleeps in the futex.</summary>
    public bool WaitReadable(long deadline, bool spin = true) => Wait(_readerSleeping, readable: true, deadline, spin);

    /// <summary>Writer: waits until there is space, or the deadline or cancel (false).</summary>
    public bool WaitWritable(long deadline) => Wait(_writerWaiting, readable: false, deadline, spin: true);

    private bool Ready(bool readable) => readable ? Used() > 0 : Used() < _size;

    private bool Wait(int* word, bool readable, long deadline, bool spin)
    {
        using ShmMapping.Use use = _mapping.Enter();
        long start = Stopwatch.GetTimestamp();
        long spinUntil = spin ? Math.Min(deadline, start + _spinTicks) : start;
        for (int i = 0; ; i++)
        {
            if (Ready(readable))
            {
                return true;
            }
            if (_cancelled)
            {
                return false;
            }
            long now = Stopwatch.GetTimestamp();
            if (now >= spinUntil)
            {
                break;
            }
            Thread.SpinWait(16);
            if ((i & 7) == 7)
            {
                // Every few microseconds: lets the peer run should both sides share one CPU (a
                // spin there only delays the answer it waits for); next to free when they do not.
                Thread.Yield();
            }
        }
        while (true)
        {
            Interlocked.Exchange(ref *word, 1); // full fence before the re-check (see the type's comment)
            if (Ready(readable))
            {
                Volatile.Write(ref *word, 0);
                return true;
            }
            if (_cancelled)
            {
                return false;
            }
            long now = Stopwatch.GetTimestamp();
            if (now >= deadline)
            {
                Volatile.Write(ref *word, 0);
                return Ready(readable);
            }
            int timeoutMs = deadline == long.MaxValue
                ? -1
                : (int)Math.Clamp((deadline - now) * 1000 / Stopwatch.Frequency + 1, 1, int.MaxValue);
            ShmLibc.FutexWaitOn(word, 1, timeoutMs);
        }
    }

    private static void WakeIfSleeping(int* word)
    {
        Interlocked.MemoryBarrier(); // the counter's publication is ordered before this read (Dekker)
        if (Volatile.Read(ref *word) != 0 && Interlocked.Exchange(ref *word, 0) != 0)
        {
            ShmLibc.FutexWakeAll(word);
        }
    }

    /// <summary>Makes every wait on this ring, in this process, return false from now on (the
    /// peer died, or this side closes or stops reading).</summary>
    public void Cancel()
    {
        _cancelled = true;
        using ShmMapping.Use use = _mapping.TryEnter(out bool entered);
        if (!entered)
        {
            return; // unmapped: nobody waits on it any more
        }
        Interlocked.Exchange(ref *_readerSleeping, 0);
        ShmLibc.FutexWakeAll(_readerSleeping);
        Interlocked.Exchange(ref *_writerWaiting, 0);
        ShmLibc.FutexWakeAll(_writerWaiting);
    }

    private static IOException Corrupt() =>
        new("the shared-memory ring's counters are out of range (a broken or hostile peer)");
}
