using Microsoft.Extensions.Time.Testing;
using OncRpc.Server;
using OncRpc.Testing;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Server.ServerHarness;

namespace OncRpc.Tests.Server;

public sealed class ConnectionTests
{
    [Theory]
    [InlineData(RpcTransportKind.Tcp, 0)]
    [InlineData(RpcTransportKind.Tcp, 2)]
    [InlineData(RpcTransportKind.Local, 0)]
    [InlineData(RpcTransportKind.Local, 2)]
    public async Task A_silent_peer_is_closed_after_the_idle_timeout_while_others_are_served(RpcTransportKind transport, int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads, IdleTimeout = TimeSpan.FromMilliseconds(400) });
        await using FakePeer silent = await harness.ConnectAsync(transport);
        await harness.AssertStillServesAsync(transport);
        Assert.True(await silent.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        await harness.AssertStillServesAsync(transport);
    }

    [Fact]
    public async Task A_connection_with_a_call_in_flight_is_not_idle()
    {
        // Virtual time: the idle checks run inside Advance, on this thread, at each period due.
        var time = new FakeTimeProvider();
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { IdleTimeout = TimeSpan.FromMilliseconds(200), TimeProvider = time });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        await peer.SendMessageAsync(RpcBytes.CallMessage(1, Program, 1, WaitProc, XdrBytes.Words(1)));
        await Eventually.ReachedAsync(() => harness.Waiting == 1, "the call is in flight");
        time.Advance(TimeSpan.FromMilliseconds(800)); // four idle timeouts with nothing received
        Assert.Equal(1, harness.Server.ConnectionCount);
        harness.Gate.SetResult();
        Assert.Equal(Hex.Of(RpcBytes.Success(1, XdrBytes.Words(2))), Hex.Of(await peer.ReceiveMessageAsync()));
        // The same clock closes it once nothing is in flight: the checks above did run.
        // Ended on the server, not only returned by the handler: the reply is sent before the
        // call leaves the connection's in-flight count, and an idle check in between would pass.
        await Eventually.ReachedAsync(() => harness.Server.Connections.Single().InFlight.Count == 0, "the call ended");
        time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.True(await peer.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_peer_that_never_reads_its_replies_is_closed_after_the_idle_timeout(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads, IdleTimeout = TimeSpan.FromMilliseconds(500) });
        await using FakePeer greedy = await harness.ConnectAsync(RpcTransportKind.Tcp);
        greedy.Socket.ReceiveBufferSize = 4096;
        byte[] call = RpcBytes.Fragment(RpcBytes.CallMessage(1, Program, 1, BigProc, XdrBytes.Words(1 << 20)));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            // 1 MiB replies pile up unread until the server's send blocks; then it must give up.
            for (int i = 0; i < 64 && !cts.IsCancellationRequested; i++)
            {
                await greedy.Socket.SendAsync(call, System.Net.Sockets.SocketFlags.None, cts.Token);
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Closed by the server while we were still sending: what we want.
        }
        await harness.AssertStillServesAsync();
        await Eventually.ReachedAsync(() => harness.Server.ConnectionCount == 0, "the stuck connection is closed");
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp, 0)]
    [InlineData(RpcTransportKind.Tcp, 2)]
    [InlineData(RpcTransportKind.Local, 0)]
    [InlineData(RpcTransportKind.Local, 2)]
    public async Task A_client_that_disappears_mid_call_cancels_the_handler(RpcTransportKind transport, int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        FakePeer peer = await harness.ConnectAsync(transport);
        await peer.SendMessageAsync(RpcBytes.CallMessage(1, Program, 1, UntilCancelledProc));
        await harness.HandlerStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await peer.DisposeAsync();
        Assert.True(await harness.HandlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        await harness.AssertStillServesAsync(transport);
        await Eventually.ReachedAsync(() => harness.Server.ConnectionCount == 0, "the connection is closed");
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_closed()
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { MaxConnections = 2 });
        await using FakePeer first = await harness.ConnectAsync(RpcTransportKind.Tcp);
        await using FakePeer second = await harness.ConnectAsync(RpcTransportKind.Local);
        Assert.Equal(Hex.Of(RpcBytes.Success(1)), Hex.Of(await first.CallAsync(RpcBytes.CallMessage(1, Program, 1, 0))));
        Assert.Equal(Hex.Of(RpcBytes.Success(2)), Hex.Of(await second.CallAsync(RpcBytes.CallMessage(2, Program, 1, 0))));
        try
        {
            await using FakePeer third = await harness.ConnectAsync(RpcTransportKind.Tcp);
            Assert.True(await third.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The reset can beat the connect's completion: refused either way.
        }
        Assert.Equal(Hex.Of(RpcBytes.Success(3)), Hex.Of(await first.CallAsync(RpcBytes.CallMessage(3, Program, 1, 0))));
        Assert.Equal(2, harness.Server.ConnectionCount);
    }

    [Fact]
    public async Task Stale_unix_socket_file_is_replaced()
    {
        string path = Path.Combine(Path.GetTempPath(), $"oncrpc-stale-{Guid.NewGuid():N}.sock");
        // What a crashed server leaves: a file at the path nobody accepts connections on.
        await File.WriteAllBytesAsync(path, [], TestContext.Current.CancellationToken);
        await using (var server = new RpcServer())
        {
            server.ListenUnix(path);
            await server.StartAsync(TestContext.Current.CancellationToken);
            await using FakePeer peer = await FakePeer.ConnectAsync(server.EndPoints[0].EndPoint);
            Assert.Equal(Hex.Of(RpcBytes.ProgramUnavailable(1)), Hex.Of(await peer.CallAsync(RpcBytes.CallMessage(1, 5, 1, 0))));
        }
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task End_points_report_bound_ports_and_misuse_throws()
    {
        await using var server = new RpcServer();
        Assert.Empty(server.EndPoints);
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(TestContext.Current.CancellationToken));
        server.ListenTcp(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        server.ListenUdp(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        await server.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, server.EndPoints.Count);
        Assert.Equal(RpcTransportKind.Tcp, server.EndPoints[0].Transport);
        Assert.NotEqual(0, ((System.Net.IPEndPoint)server.EndPoints[0].EndPoint).Port);
        Assert.NotEqual(0, ((System.Net.IPEndPoint)server.EndPoints[1].EndPoint).Port);
        Assert.Throws<InvalidOperationException>(() => server.ListenTcp(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(TestContext.Current.CancellationToken));
        await server.StopAsync(TestContext.Current.CancellationToken);
        await server.StopAsync(TestContext.Current.CancellationToken); // idempotent
    }
}
