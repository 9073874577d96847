using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>Replies encoded straight into the server-to-client ring: before running a call on
/// its thread, the connection offers the call's reply the ring's free space
/// (<see cref="RpcCall.OfferReplyRegion"/>); a reply begun on that thread takes the writer role
/// (without waiting: declined when another writer holds it) and the contiguous free space at
/// <c>tail</c>, is encoded there (record mark reserved, patched once the length is known), and is
/// published by moving <c>tail</c> (<see cref="PublishInPlace"/>). A reply that outgrows the space
/// moves into its own buffer and is copied in as before; one dropped or never sent gives the
/// space back when its writer is reset (at the latest when the call ends), which releases the
/// writer role.
/// <para>Invariant: while a reply holds the lend, it alone writes the ring (it holds the writer
/// role, <see cref="_ringWriter"/>), so the free space at <c>tail</c> is its own and nothing else
/// moves <c>tail</c>; the mapping stays entered until the lend ends. <see cref="_lentAt"/> (the
/// region's address) is set only while the lend is held: a record that starts there is the lent
/// reply, since nothing else points into the ring's free space.</para></summary>
internal sealed unsafe partial class ShmServerConnection
{
    /// <summary>Less free space than this before the ring's end is not offered: the reply would
    /// likely outgrow it and be copied twice.</summary>
    private const int MinReplyRegion = 256;

    /// <summary>Replies are encoded in place only after one at least this long on the connection:
    /// the lend costs a fixed fraction of a microsecond, a copy saved about 1 µs per 32 KiB, and
    /// a connection's next reply is usually about as long as its last.</summary>
    private const int LendFrom = 4096;

    private int _lastReplyLength; // a hint, written by whoever sent the last reply

    private PooledBufferWriter? _lentReply; // the reply holding the lend (and so the writer role)
    private nint _lentAt;                   // where its region starts, while lent
    private long _repliesInPlace;

    /// <summary>Replies published where they were encoded (for tests).</summary>
    internal long RepliesWrittenInPlace => Interlocked.Read(ref _repliesInPlace);

    bool IReplyRegionLender.TryLend(PooledBufferWriter reply)
    {
        if (Volatile.Read(ref _lastReplyLength) < LendFrom || Volatile.Read(ref _out) is not { } ring || ClosingStarted || !TryTakeWriterRole())
        {
            return false;
        }
        Memory<byte> region;
        try
        {
            region = ring.Reserve();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            ReleaseWriterRole();
            return false; // a broken ring: the copy path finds out and aborts
        }
        if (region.Length < MinReplyRegion)
        {
            ring.Unreserve();
            ReleaseWriterRole();
            return false;
        }
        _lentReply = reply;
        fixed (byte* at = region.Span)
        {
            Volatile.Write(ref _lentAt, (nint)at); // mapped memory: the address does not move
        }
        reply.Lend(region, this);
        return true;
    }

    /// <summary>The lent reply left the region (published, moved out, dropped or reset).</summary>
    void ILentRegionOwner.Released()
    {
        _lentReply = null;
        Volatile.Write(ref _lentAt, 0);
        _out!.Unreserve();
        ReleaseWriterRole();
    }

    /// <summary>True when <paramref name="record"/> is the lent reply, encoded in place at
    /// <c>tail</c>: it is published (and the lend ends). Only the lend's holder can hold a record
    /// that starts there; it was written within the region (the writer moves out otherwise).</summary>
    private bool PublishInPlace(ShmRing ring, ReadOnlySpan<byte> record)
    {
        nint lentAt = Volatile.Read(ref _lentAt);
        if (lentAt == 0)
        {
            return false;
        }
        fixed (byte* at = record)
        {
            if ((nint)at != lentAt)
            {
                return false;
            }
        }
        PooledBufferWriter lent = _lentReply!;
        Volatile.Write(ref _sendStarted, _runtime.NowMs);
        try
        {
            ring.Commit(record.Length);
            Interlocked.Increment(ref _repliesInPlace);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            SendFailed(e);
        }
        finally
        {
            Volatile.Write(ref _sendStarted, 0);
            lent.LeaveLent(); // nothing kept: the bytes are the client's now
        }
        return true;
    }
}
