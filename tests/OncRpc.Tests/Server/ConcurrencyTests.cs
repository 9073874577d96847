using System.Net.Sockets;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Testing;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Server.ServerHarness;

namespace OncRpc.Tests.Server;

public sealed class ConcurrencyTests
{
    private static Task WaitUntilAsync(Func<bool> condition, string what) => Eventually.ReachedAsync(condition, what);

    [Theory]
    [InlineData(RpcTransportKind.Tcp, 0)]
    [InlineData(RpcTransportKind.Tcp, 2)]
    [InlineData(RpcTransportKind.Local, 0)]
    [InlineData(RpcTransportKind.Local, 2)]
    [InlineData(RpcTransportKind.Udp, 0)]
    [InlineData(RpcTransportKind.Udp, 2)]
    public async Task Calls_on_one_connection_run_concurrently(RpcTransportKind transport, int eventLoopThreads)
    {
        // Each RENDEZVOUS handler waits for the other: only concurrent execution answers both.
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using FakePeer peer = await harness.ConnectAsync(transport);
        await peer.SendMessageAsync(RpcBytes.CallMessage(1, Program, 1, RendezvousProc, XdrBytes.Words(0)));
        await peer.SendMessageAsync(RpcBytes.CallMessage(2, Program, 1, RendezvousProc, XdrBytes.Words(1)));
        var replies = new HashSet<string> { Hex.Of(await peer.ReceiveMessageAsync()), Hex.Of(await peer.ReceiveMessageAsync()) };
        Assert.Contains(Hex.Of(RpcBytes.Success(1, XdrBytes.Words(0))), replies);
        Assert.Contains(Hex.Of(RpcBytes.Success(2, XdrBytes.Words(1))), replies);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task The_per_connection_limit_stops_reading_until_a_call_finishes(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads, MaxConcurrentCallsPerConnection = 2 });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        for (uint xid = 1; xid <= 5; xid++)
        {
            await peer.SendMessageAsync(RpcBytes.CallMessage(xid, Program, 1, WaitProc, XdrBytes.Words(xid)));
        }
        // Paused means a third call came and was held, not run: no handler starts until a slot frees.
        await WaitUntilAsync(() => harness.Server.Connections is [{ PausedAtCallLimit: true }], "the connection pauses at its limit");
        Assert.Equal(2, harness.Waiting);
        Assert.Equal(2, harness.MaxWaiting);
        // Another connection is not held back by this one's limit.
        await harness.AssertStillServesAsync();
        harness.Gate.SetResult();
        var replies = new HashSet<string>();
        for (int i = 0; i < 5; i++)
        {
            replies.Add(Hex.Of(await peer.ReceiveMessageAsync()));
        }
        for (uint xid = 1; xid <= 5; xid++)
        {
            Assert.Contains(Hex.Of(RpcBytes.Success(xid, XdrBytes.Words(xid + 1))), replies);
        }
        Assert.Equal(2, harness.MaxWaiting);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Udp_concurrency_is_bounded(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads, MaxConcurrentUdpCalls = 3 });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Udp);
        for (uint xid = 1; xid <= 6; xid++)
        {
            await peer.SendMessageAsync(RpcBytes.CallMessage(xid, Program, 1, WaitProc, XdrBytes.Words(xid)));
        }
        // Paused: the end point receives nothing more until a slot frees.
        await WaitUntilAsync(() => harness.Server.UdpEndPoints is [{ PausedAtCallLimit: true }], "the UDP end point pauses at its limit");
        Assert.Equal(3, harness.Waiting);
        Assert.Equal(3, harness.MaxWaiting);
        harness.Gate.SetResult();
        for (int i = 0; i < 6; i++)
        {
            await peer.ReceiveMessageAsync();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Replies_never_interleave_under_many_concurrent_large_replies(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads, MaxConcurrentCallsPerConnection = 64 });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        const int calls = 120;
        byte[] batch = [];
        for (uint xid = 1; xid <= calls; xid++)
        {
            batch = [.. batch, .. RpcBytes.Fragment(RpcBytes.CallMessage(xid, Program, 1, BigProc, XdrBytes.Words(xid * 1531 % 150_000)))];
        }
        Task send = peer.SendRawAsync(batch);
        var pending = new HashSet<uint>(Enumerable.Range(1, calls).Select(i => (uint)i));
        for (int i = 0; i < calls; i++)
        {
            byte[] reply = await peer.ReceiveMessageAsync();
            uint xid = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(reply);
            Assert.True(pending.Remove(xid), $"unexpected or repeated xid {xid}");
            int n = (int)(xid * 1531 % 150_000);
            byte[] data = new byte[n];
            for (int j = 0; j < n; j++)
            {
                data[j] = (byte)(j * 7 + n);
            }
            Assert.Equal(RpcBytes.Success(xid, new XdrBytes().Opaque(data).ToArray()), reply);
        }
        await send;
        Assert.Empty(pending);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Replies_completing_together_on_pool_threads_never_interleave(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads, MaxConcurrentCallsPerConnection = 64 });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        const int calls = 60;
        byte[] batch = [];
        for (uint xid = 1; xid <= calls; xid++)
        {
            batch = [.. batch, .. RpcBytes.Fragment(RpcBytes.CallMessage(xid, Program, 1, WaitProc, XdrBytes.Words(xid * 1000)))];
        }
        await peer.SendRawAsync(batch);
        await WaitUntilAsync(() => harness.Waiting == calls, "all handlers wait");
        harness.Gate.SetResult(); // all continue at once, on pool threads, and reply concurrently
        var pending = new HashSet<uint>(Enumerable.Range(1, calls).Select(i => (uint)i));
        for (int i = 0; i < calls; i++)
        {
            byte[] reply = await peer.ReceiveMessageAsync();
            uint xid = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(reply);
            Assert.True(pending.Remove(xid));
            Assert.Equal(RpcBytes.Success(xid, XdrBytes.Words(xid * 1000 + 1)), reply);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Graceful_stop_drains_the_call_in_flight_and_refuses_new_connections(int eventLoopThreads)
    {
        ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        await using FakePeer udp = await harness.ConnectAsync(RpcTransportKind.Udp);
        await peer.SendMessageAsync(RpcBytes.CallMessage(1, Program, 1, WaitProc, XdrBytes.Words(41)));
        await udp.SendMessageAsync(RpcBytes.CallMessage(2, Program, 1, WaitProc, XdrBytes.Words(9)));
        await WaitUntilAsync(() => harness.Waiting == 2, "both calls run");

        ServerConnection connection = Assert.Single(harness.Server.Connections);
        Task stop = harness.Server.StopAsync(TestContext.Current.CancellationToken);
        // Reading ended on both: all the stop has left to do is wait for the calls in flight.
        await WaitUntilAsync(() => connection.InFlight.IsDraining && harness.Server.UdpEndPoints[0].InFlight.IsDraining, "the stop drains");
        Assert.False(stop.IsCompleted, "stop waits for the call in flight");
        await Assert.ThrowsAnyAsync<SocketException>(() => FakePeer.ConnectAsync(harness.Tcp));

        harness.Gate.SetResult();
        Assert.Equal(Hex.Of(RpcBytes.Success(1, XdrBytes.Words(42))), Hex.Of(await peer.ReceiveMessageAsync()));
        Assert.Equal(Hex.Of(RpcBytes.Success(2, XdrBytes.Words(10))), Hex.Of(await udp.ReceiveMessageAsync()));
        await stop.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(await peer.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        await harness.DisposeAsync();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Stop_past_its_deadline_cancels_calls_and_closes(int eventLoopThreads)
    {
        ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        await peer.SendMessageAsync(RpcBytes.CallMessage(1, Program, 1, UntilCancelledProc));
        await harness.HandlerStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await harness.Server.StopAsync(deadline.Token).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(await harness.HandlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.True(await peer.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        await harness.DisposeAsync();
    }
}
