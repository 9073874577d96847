using System.Buffers;
using Microsoft.Extensions.Time.Testing;
using OncRpc.Client.Internal;
using OncRpc.Tests.Support;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

/// <summary>The pending-call table on its own, in virtual time.</summary>
public class PendingCallTableTests
{
    private sealed class TestCall : PendingCall
    {
        public Exception? Failure { get; private set; }

        public int Replies { get; private set; }

        public override void OnReply(in ReadOnlySequence<byte> record, ref XdrReader reader) => Replies++;

        protected override void SetException(Exception exception) => Failure = exception;

        public override void Publish(bool inline)
        {
        }
    }

    private static TestCall UdpCall(uint xid, long deadlineMs) => new()
    {
        Xid = xid,
        DeadlineTicks = deadlineMs,
        Timeout = TimeSpan.FromMilliseconds(deadlineMs),
        Datagram = Bytes(1, 2, 3, 4),
        RetransmitIntervalMs = 100,
    };

    private static PooledBufferWriter Bytes(params byte[] bytes)
    {
        var writer = new PooledBufferWriter(16);
        writer.Write(bytes);
        return writer;
    }

    [Fact]
    public void Retransmissions_are_sent_after_the_table_lock_is_released()
    {
        var time = new FakeTimeProvider();
        PendingCallTable table = null!;
        var lockFreeDuringSend = new List<bool>();
        table = new PendingCallTable(new ClientClock(time), TimeSpan.FromSeconds(1), (xid, datagram) =>
        {
            // Another thread (a reply being dispatched) must get into the table while a
            // retransmission is on its way out: under the lock it would wait for the send.
            lockFreeDuringSend.Add(Task.Run(() => table.TryRemove(2, out _)).Wait(TimeSpan.FromSeconds(5)));
        });
        using (table)
        {
            Assert.True(table.TryAdd(UdpCall(1, 10_000), out _));
            Assert.True(table.TryAdd(UdpCall(2, 10_000), out _));
            time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.NotEmpty(lockFreeDuringSend);
            Assert.All(lockFreeDuringSend, Assert.True);
        }
    }

    [Fact]
    public void A_retransmission_keeps_the_datagram_even_when_its_call_completes_meanwhile()
    {
        var time = new FakeTimeProvider();
        var sent = new List<(uint Xid, byte[] Datagram)>();
        PendingCallTable table = null!;
        TestCall call = UdpCall(7, 10_000);
        table = new PendingCallTable(new ClientClock(time), TimeSpan.FromSeconds(1), (xid, datagram) =>
        {
            // The reply arrives and the call is recycled while the datagram goes out: its pooled
            // buffer goes back to the pool and is written over by the next call.
            if (table.TryRemove(call))
            {
                PooledBufferWriter buffer = call.Datagram!;
                call.Datagram = null;
                buffer.Reset();
                buffer.Write(new byte[] { 9, 9, 9, 9, 9, 9 });
            }
            sent.Add((xid, datagram));
        });
        using (table)
        {
            Assert.True(table.TryAdd(call, out _));
            time.Advance(TimeSpan.FromMilliseconds(100));
            (uint xid, byte[] bytes) = Assert.Single(sent);
            Assert.Equal(7u, xid);
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, bytes);
            Assert.Equal(0, table.Count);
        }
    }

    [Fact]
    public void Count_and_closed_are_published_for_readers_without_the_lock()
    {
        var time = new FakeTimeProvider();
        using var table = new PendingCallTable(new ClientClock(time), TimeSpan.FromSeconds(1), retransmit: null);
        TestCall a = UdpCall(1, 1_000), b = UdpCall(2, 5_000);
        a.Datagram = b.Datagram = null;
        Assert.True(table.TryAdd(a, out _));
        Assert.True(table.TryAdd(b, out _));
        Assert.Equal(2, table.Count);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, table.Count); // a timed out
        Assert.Equal(RpcStatus.TimedOut, Assert.IsType<RpcException>(a.Failure).Status);
        Assert.True(table.Close(new RpcException(RpcStatus.ConnectionLost, "closed")));
        Assert.False(table.Close(new RpcException(RpcStatus.ConnectionLost, "again")));
        Assert.Equal(0, table.Count);
        Assert.True(table.IsClosed);
        Assert.Equal(RpcStatus.ConnectionLost, Assert.IsType<RpcException>(b.Failure).Status);
    }

    [Fact]
    public void Dispatch_classifies_by_msg_type_and_completes_only_a_pending_reply()
    {
        var time = new FakeTimeProvider();
        using var table = new PendingCallTable(new ClientClock(time), TimeSpan.FromSeconds(1), retransmit: null);
        TestCall call = UdpCall(9, 1_000);
        call.Datagram = null;
        Assert.True(table.TryAdd(call, out _));
        Assert.Equal(DispatchOutcome.Call, table.Dispatch(new ReadOnlySequence<byte>(RpcBytes.CallMessage(9, 100, 1, 0))));
        Assert.Equal(DispatchOutcome.Dropped, table.Dispatch(new ReadOnlySequence<byte>(XdrBytes.Words(9, 2)))); // msg_type 2
        Assert.Equal(DispatchOutcome.Dropped, table.Dispatch(new ReadOnlySequence<byte>(XdrBytes.Words(9)))); // too short
        Assert.Equal(DispatchOutcome.Dropped, table.Dispatch(new ReadOnlySequence<byte>(RpcBytes.Success(10))));
        Assert.Equal(0, call.Replies);
        Assert.Equal(DispatchOutcome.Completed, table.Dispatch(new ReadOnlySequence<byte>(RpcBytes.Success(9))));
        Assert.Equal(1, call.Replies);
        Assert.Equal(DispatchOutcome.Dropped, table.Dispatch(new ReadOnlySequence<byte>(RpcBytes.Success(9)))); // a duplicate
    }

    /// <summary>Counts the clock reads of the table's clock.</summary>
    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        public int Reads { get; private set; }

        public override long GetTimestamp()
        {
            Reads++;
            return base.GetTimestamp();
        }
    }

    private static TestCall StreamCall(uint xid, long deadlineMs) => new()
    {
        Xid = xid,
        DeadlineTicks = deadlineMs,
        Timeout = TimeSpan.FromMilliseconds(deadlineMs),
    };

    [Fact]
    public void A_stream_call_due_after_the_armed_timer_reads_no_clock_and_an_earlier_one_rearms_it()
    {
        var time = new CountingTimeProvider();
        using var table = new PendingCallTable(new ClientClock(time), TimeSpan.FromSeconds(1), retransmit: null);
        var first = StreamCall(1, 1_000);
        Assert.True(table.TryAdd(first, out _));
        int reads = time.Reads;
        var later = StreamCall(2, 2_000);
        Assert.True(table.TryAdd(later, out _));
        Assert.Equal(reads, time.Reads);

        var earlier = StreamCall(3, 500);
        Assert.True(table.TryAdd(earlier, out _));
        Assert.True(time.Reads > reads);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(RpcStatus.TimedOut, Assert.IsType<RpcException>(earlier.Failure).Status);
        Assert.Null(first.Failure);
        Assert.Null(later.Failure);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(RpcStatus.TimedOut, Assert.IsType<RpcException>(first.Failure).Status);
        Assert.Null(later.Failure);
    }
}
