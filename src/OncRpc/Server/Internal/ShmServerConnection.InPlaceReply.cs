using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>Replies encoded straight into the server-to-client ring: before running a call on
/// its thread, the connection offers the call's reply the ring's free space
/// (<see cref="RpcCall.OfferReplyRegion"/>); a reply begun on that thread takes the writer role
/// (without waiting: declined when another writer holds it) and the region the ring reserves
/// (<see cref="ShmRing.Reserve"/>, which also decides whether in place is worth it), is encoded
/// there (record mark reserved, patched once the length is known), and is published where it
/// lies when sent (<see cref="ShmRing.ReservedRecord"/>, in <see cref="Send"/>). A reply that
/// outgrows the space moves into its own buffer and is copied in as before; one dropped or never
/// sent gives the space back when its writer is reset (at the latest when the call ends), which
/// releases the writer role.
/// <para>Invariant: while a reply holds the lend (<see cref="_lentReply"/> set), it alone writes
/// the ring (it holds the writer role, <see cref="_ringWriter"/>) and the ring holds its
/// reservation; the lend, the reservation and the role end together
/// (<see cref="ILentRegionOwner.Released"/>).</para></summary>
internal sealed partial class ShmServerConnection
{
    private PooledBufferWriter? _lentReply; // the reply holding the lend (and so the writer role)

    /// <summary>Replies published where they were encoded (for tests).</summary>
    internal long RepliesWrittenInPlace => Volatile.Read(ref _out)?.RecordsCommittedInPlace ?? 0;

    bool IReplyRegionLender.TryLend(PooledBufferWriter reply)
    {
        if (Volatile.Read(ref _out) is not { WorthReserving: true } ring || ClosingStarted || !TryTakeWriterRole())
        {
            return false;
        }
        Memory<byte> region = ring.Reserve();
        if (region.IsEmpty)
        {
            ReleaseWriterRole();
            return false;
        }
        _lentReply = reply;
        reply.Lend(region, this);
        return true;
    }

    /// <summary>The lent reply left the region (published, moved out, dropped or reset).</summary>
    void ILentRegionOwner.Released()
    {
        _lentReply = null;
        _out!.Unreserve();
        ReleaseWriterRole();
    }
}
