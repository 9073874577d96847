using OncRpc.Client;
using OncRpc.Client.Internal;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Tests.Support;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Tests.Transport;

/// <summary>The server encoding replies straight into the server-to-client ring: where that
/// happens (a reply begun on the connection's thread that fits the free space before the ring's
/// end) and where the reply falls back to being copied in (it does not fit, or it is completed
/// later on another thread); and the writer's lent region itself.</summary>
public sealed class SharedMemoryReplyInPlaceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An ECHO reply's record: mark, xid, REPLY, MSG_ACCEPTED, AUTH_NONE verifier (flavor
    /// and empty body), SUCCESS, then the opaque (length and padded bytes).</summary>
    private static int ReplyRecordLength(int data) => 4 + 24 + 4 + ((data + 3) & ~3);

    private static ShmServerConnection ConnectionOf(SharedMemoryTransportTests.ShmServer server) =>
        (ShmServerConnection)server.Server.Connections.Single();

    [Fact]
    public async Task A_reply_is_written_in_place_when_it_fits_the_ring_and_streamed_through_it_when_not()
    {
        // A 16 KiB ring and replies of many sizes, one call at a time (the client drains the ring
        // before the next reply): a reply goes in place, across the ring's end too, exactly when it
        // fits the ring; otherwise it streams through it. Either way it arrives whole.
        await using var server = await SharedMemoryTransportTests.ShmServer.StartAsync(InPlaceSweep.Ring);
        await using RpcClient client = await server.ConnectAsync();
        var channel = (ShmChannel)((StreamRpcClient)client).Connection!.Channel;
        await InPlaceSweep.RunAsync(client, () => ConnectionOf(server).RepliesWrittenInPlace, () => channel.InputQueued, ReplyRecordLength);
    }

    [Fact]
    public async Task A_reply_completed_later_on_another_thread_is_copied_in_while_inline_replies_go_in_place_around_it()
    {
        await using var server = await SharedMemoryTransportTests.ShmServer.StartAsync();
        await using RpcClient client = await server.ConnectAsync();
        Task<XdrInt> held = client.CallAsync<XdrInt, XdrInt>(SharedMemoryTransportTests.Hold, new XdrInt(6), Ct).AsTask();
        await Eventually.ReachedAsync(() => server.Server.Connections.Single().InFlight.Count == 1, "the held call runs");
        for (int i = 0; i < 20; i++)
        {
            byte[] data = RingFixture.Pattern(5000, i); // over ShmRing.ReserveFrom: in place after the first
            Assert.Equal(data, (await client.CallAsync<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, data, Ct)).Value.ToArray());
        }
        long inPlace = ConnectionOf(server).RepliesWrittenInPlace;
        Assert.True(inPlace >= 18, $"{inPlace} of 20 inline replies in place");
        server.Gate.SetResult();
        Assert.Equal(7, (await held).Value);
        Assert.Equal(inPlace, ConnectionOf(server).RepliesWrittenInPlace); // the late reply was copied in
        // The lend is free again (the late reply's writer may still be leaving the ring as the
        // client sees the reply, so the first call after it may find the role taken).
        for (int i = 0; i < 3; i++)
        {
            byte[] data = RingFixture.Pattern(5000, 50 + i);
            Assert.Equal(data, client.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, data, Ct).Value.ToArray());
        }
        Assert.InRange(ConnectionOf(server).RepliesWrittenInPlace, inPlace + 1, inPlace + 2); // after the small late reply, the first is copied (ShmRing.ReserveFrom)
    }

    private sealed class Owner : ILentRegionOwner
    {
        public int Released { get; private set; }

        void ILentRegionOwner.Released() => Released++;
    }

    [Fact]
    public void A_writer_in_a_lent_region_writes_there_until_it_outgrows_it_then_moves_out_and_tells_the_owner_once()
    {
        byte[] region = new byte[64];
        var owner = new Owner();
        using var writer = new PooledBufferWriter(16);
        writer.Lend(region, owner);
        writer.GetSpan(40)[..40].Fill(7);
        writer.Advance(40);
        Assert.True(writer.IsLent);
        Assert.Equal(40, writer.WrittenCount);
        Assert.Equal(new byte[40].Select(_ => (byte)7), region[..40]); // in place
        Assert.Throws<InvalidOperationException>(() => writer.Advance(25)); // past the region

        writer.GetSpan(100)[..100].Fill(9); // outgrows it: moves out, keeping what was written
        writer.Advance(100);
        Assert.False(writer.IsLent);
        Assert.Equal(1, owner.Released);
        Assert.Equal(140, writer.WrittenCount);
        Assert.Equal([.. Enumerable.Repeat((byte)7, 40), .. Enumerable.Repeat((byte)9, 100)], writer.WrittenSpan.ToArray());
        writer.Reset();
        Assert.Equal(1, owner.Released);

        // Reset and LeaveLent end a lend too, once; a new lend of an earlier one ends it first.
        writer.Lend(region, owner);
        writer.Reset();
        Assert.Equal(2, owner.Released);
        writer.Lend(region, owner);
        writer.Lend(region, owner);
        Assert.Equal(3, owner.Released);
        writer.LeaveLent();
        writer.LeaveLent();
        Assert.Equal(4, owner.Released);
        Assert.Equal(0, writer.WrittenCount);
    }
}

/// <summary>The client's side of the same: a synchronous call with nothing ahead of it, on a
/// connection whose last record was large, is encoded straight into the client-to-server ring
/// when it fits before the ring's end.</summary>
public sealed class SharedMemoryCallInPlaceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An ECHO call's record under AUTH_NONE: mark, xid, CALL, rpcvers, prog, vers, proc,
    /// credential and verifier (flavor and empty body each), then the opaque.</summary>
    private static int CallRecordLength(int data) => 4 + 40 + 4 + ((data + 3) & ~3);

    [Fact]
    public async Task A_synchronous_call_is_written_in_place_when_it_fits_the_ring_and_streamed_through_it_when_not()
    {
        await using var server = await SharedMemoryTransportTests.ShmServer.StartAsync(InPlaceSweep.Ring);
        await using RpcClient client = await server.ConnectAsync();
        var channel = (ShmChannel)((StreamRpcClient)client).Connection!.Channel;
        await InPlaceSweep.RunAsync(client, () => channel.RecordsWrittenInPlace, () => channel.OutputQueued, CallRecordLength);

        // Async calls (and a call queued behind them) still take the copy path, and the ring stays in order.
        long sync = channel.RecordsWrittenInPlace;
        var calls = Enumerable.Range(0, 50).Select(i => client.CallAsync<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, RingFixture.Pattern(i * 31, i), Ct).AsTask()).ToList();
        byte[] last = RingFixture.Pattern(500, 99);
        Assert.Equal(last, client.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, last, Ct).Value.ToArray());
        for (int i = 0; i < calls.Count; i++)
        {
            Assert.Equal(RingFixture.Pattern(i * 31, i), (await calls[i]).Value.ToArray());
        }
        Assert.InRange(channel.RecordsWrittenInPlace, sync, sync + 1);
    }
}

/// <summary>ECHO calls of many sizes through rings of <see cref="Ring"/> bytes, one at a time (the
/// reader drains each record before the next, so the whole ring is free): after each, the records
/// written in place (one direction's count) grew by one exactly when that record was to go in
/// place, that is after a record of <see cref="ShmRing.ReserveFrom"/> bytes or more and when it
/// fits the ring, wherever tail stands (the ring is mapped twice back to back); otherwise it was
/// streamed through the ring. Either way it arrives whole, and the records start at every
/// offset, across the ring's end too.</summary>
internal static class InPlaceSweep
{
    public const int Ring = 16 * 1024;

    /// <summary><paramref name="ringUsed"/>: the bytes still in that direction's ring. The server
    /// frees a call's space only after it replied (it reads calls in place), so the sweep waits
    /// for the ring to drain before each call: the next record then has the whole ring.</summary>
    public static async Task RunAsync(RpcClient client, Func<long> writtenInPlace, Func<int> ringUsed, Func<int, int> recordLength)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        long tail = 0;
        int previous = 0;
        int inPlace = 0;
        int copied = 0;
        bool wrapped = false;
        for (int length = 0; length < 3 * Ring; length += 397)
        {
            byte[] data = RingFixture.Pattern(length, length);
            await Eventually.ReachedAsync(() => ringUsed() == 0, "the ring drains");
            long before = writtenInPlace();
            Assert.Equal(data, client.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, data, ct).Value.ToArray());
            int record = recordLength(length);
            bool expected = previous >= ShmRing.ReserveFrom && record <= Ring;
            wrapped |= expected && tail % Ring + record > Ring;
            previous = record;
            Assert.True(before + (expected ? 1 : 0) == writtenInPlace(), $"length {length} record {record} tail {tail % Ring} expected {expected}");
            if (expected)
            {
                inPlace++;
            }
            else
            {
                copied++;
            }
            tail += record;
        }
        Assert.True(inPlace > 5 && copied > 10, $"both paths taken: {inPlace} in place, {copied} copied");
        Assert.True(wrapped, "a record written in place ran past the ring's end");
    }
}
