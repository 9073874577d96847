using System.Buffers.Binary;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Testing;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Server.ServerHarness;

namespace OncRpc.Tests.Server;

/// <summary>What the epoll event loops (the default on Linux) must get right beyond the shared
/// server tests: output that backs up, records trickling in, many connections over several loops.</summary>
public sealed class EventLoopTests
{
    private static byte[] BigReplyFor(uint xid, int n)
    {
        byte[] data = new byte[n];
        for (int j = 0; j < n; j++)
        {
            data[j] = (byte)(j * 7 + n);
        }
        return RpcBytes.Success(xid, new XdrBytes().Opaque(data).ToArray());
    }

    [Fact]
    public async Task A_peer_that_reads_late_gets_every_reply_in_order_after_output_backed_up()
    {
        // 48 replies of 100 KB (4.8 MB) overflow the Unix socket's buffer (about 200 KB, fixed: a TCP
        // loopback pair autotunes to several MiB and would absorb them) and the server's 1 MiB output
        // limit: it stops reading calls, keeps serving others, then resumes as the peer drains.
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = 1 });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Local);
        const int calls = 48;
        const int size = 100_000;
        byte[] batch = [];
        for (uint xid = 1; xid <= calls; xid++)
        {
            batch = [.. batch, .. RpcBytes.Fragment(RpcBytes.CallMessage(xid, Program, 1, BigProc, XdrBytes.Words(size)))];
        }
        Task send = peer.SendRawAsync(batch);
        await Eventually.ReachedAsync(() => harness.Server.Connections is [EpollStreamConnection { PausedForOutput: true }],
            "the connection stops reading calls while its replies back up");
        await harness.AssertStillServesAsync(); // the loop is not stuck on the backed-up connection
        for (uint xid = 1; xid <= calls; xid++)
        {
            // Synchronous handlers on one connection answer in call order.
            Assert.Equal(BigReplyFor(xid, size), await peer.ReceiveMessageAsync());
        }
        await send;
        Assert.DoesNotContain(harness.Server.Connections.OfType<EpollStreamConnection>(), c => c.PausedForOutput);
    }

    [Fact]
    public async Task A_large_call_trickling_in_small_pieces_is_reassembled()
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = 1 });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        string text = string.Concat(Enumerable.Range(0, 30_000).Select(i => (char)('a' + (i % 26))));
        byte[] record = RpcBytes.Fragment(RpcBytes.CallMessage(7, Program, 1, EchoProc, new XdrBytes().String(text).ToArray()));
        for (int offset = 0; offset < record.Length; offset += 997)
        {
            await peer.SendRawAsync(record[offset..Math.Min(offset + 997, record.Length)]);
            if (offset % (997 * 8) == 0)
            {
                await Task.Delay(1, TestContext.Current.CancellationToken); // pacing, the thing under test (pieces arriving apart), not a synchronization
            }
        }
        Assert.Equal(RpcBytes.Success(7, new XdrBytes().String(text).ToArray()), await peer.ReceiveMessageAsync());
    }

    [Fact]
    public async Task A_single_fragment_call_larger_than_the_read_buffer_arrives_whole()
    {
        // 200 KB in one fragment: the decoder waits for it whole, so the connection's buffer grows
        // past the loop's 64 KiB one.
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = 1 });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Local);
        string text = new('x', 200_000);
        byte[] record = RpcBytes.Fragment(RpcBytes.CallMessage(9, Program, 1, EchoProc, new XdrBytes().String(text).ToArray()));
        await peer.SendRawAsync(record[..70_000]);
        await Eventually.ReachedAsync(() => harness.Server.Connections is [EpollStreamConnection { HeldBytes: 70_000 }], "the first part is read and held");
        await peer.SendRawAsync(record[70_000..]);
        Assert.Equal(RpcBytes.Success(9, new XdrBytes().String(text).ToArray()), await peer.ReceiveMessageAsync());
    }

    [Fact]
    public async Task Many_connections_over_several_loops_are_all_answered()
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = 3 });
        const int connections = 40;
        const int callsEach = 25;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async c =>
        {
            await using FakePeer peer = await harness.ConnectAsync(c % 2 == 0 ? RpcTransportKind.Tcp : RpcTransportKind.Local);
            byte[] batch = [];
            for (int i = 0; i < callsEach; i++)
            {
                uint xid = (uint)(c * 1000 + i);
                batch = [.. batch, .. RpcBytes.Fragment(RpcBytes.CallMessage(xid, Program, 1, EchoProc, new XdrBytes().String($"c{c}-{i}").ToArray()))];
            }
            await peer.SendRawAsync(batch);
            for (int i = 0; i < callsEach; i++)
            {
                byte[] reply = await peer.ReceiveMessageAsync();
                uint xid = BinaryPrimitives.ReadUInt32BigEndian(reply);
                Assert.Equal(RpcBytes.Success(xid, new XdrBytes().String($"c{c}-{xid % 1000}").ToArray()), reply);
                Assert.Equal(c, (int)(xid / 1000));
            }
        }));
    }

    [Fact]
    public async Task A_handler_throwing_on_the_loop_answers_SYSTEM_ERR_and_the_connection_serves_on()
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = 1 });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        Assert.Equal(Hex.Of(RpcBytes.SystemError(1)), Hex.Of(await peer.CallAsync(RpcBytes.CallMessage(1, Program, 1, ThrowProc))));
        byte[] echo = new XdrBytes().String("after").ToArray();
        Assert.Equal(RpcBytes.Success(2, echo), await peer.CallAsync(RpcBytes.CallMessage(2, Program, 1, EchoProc, echo)));
    }

    [Fact]
    public async Task A_peer_leaving_while_its_connection_is_paused_at_the_call_limit_cancels_the_handler()
    {
        // At the limit the loop no longer reads the socket; the hang-up must still be noticed.
        await using ServerHarness harness = await ServerHarness.StartAsync(
            new RpcServerOptions { EventLoopThreads = 1, MaxConcurrentCallsPerConnection = 1 });
        FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        await peer.SendMessageAsync(RpcBytes.CallMessage(1, Program, 1, UntilCancelledProc));
        await peer.SendMessageAsync(RpcBytes.CallMessage(2, Program, 1, EchoProc, new XdrBytes().String("queued").ToArray()));
        await harness.HandlerStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await peer.DisposeAsync();
        Assert.True(await harness.HandlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        await harness.AssertStillServesAsync();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1025)]
    public async Task An_out_of_range_loop_count_is_refused_at_start(int loops)
    {
        await using var server = new RpcServer(new RpcServerOptions { EventLoopThreads = loops });
        server.ListenTcp(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => server.StartAsync(TestContext.Current.CancellationToken));
        Assert.Empty(server.EndPoints);
    }
}
