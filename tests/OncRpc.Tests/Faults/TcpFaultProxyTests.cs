using System.Net.Sockets;
using System.Text;
using OncRpc.Testing.Faults;

namespace OncRpc.Tests.Faults;

public sealed class TcpFaultProxyTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Bytes(int count) => [.. Enumerable.Range(0, count).Select(i => (byte)i)];

    [Fact]
    public async Task ForwardsBothWaysAndCounts()
    {
        using var listener = TcpPeers.Listen();
        await using var proxy = TcpFaultProxy.Start((System.Net.IPEndPoint)listener.LocalEndPoint!);
        var (client, server) = await TcpPeers.ConnectThroughAsync(listener, proxy.EndPoint);
        using (client)
        using (server)
        {
            await TcpPeers.SendAsync(client, Encoding.ASCII.GetBytes("hello"));
            Assert.Equal("hello", Encoding.ASCII.GetString(await TcpPeers.ReadExactlyAsync(server, 5)));
            await TcpPeers.SendAsync(server, Encoding.ASCII.GetBytes("world!"));
            Assert.Equal("world!", Encoding.ASCII.GetString(await TcpPeers.ReadExactlyAsync(client, 6)));
            // Bytes are counted once their send returned, which may be just after they arrived.
            await proxy.WaitUntilAsync(p => p.Counters == new TcpCounters(1, 1, 0, 0, 5, 6), Wait, Ct);

            // A half-close is passed on, and the other direction keeps working.
            client.Shutdown(SocketShutdown.Send);
            var (rest, reset) = await TcpPeers.ReadToEndAsync(server);
            Assert.Empty(rest);
            Assert.False(reset);
            await TcpPeers.SendAsync(server, [42]);
            Assert.Equal([42], await TcpPeers.ReadExactlyAsync(client, 1));
        }
    }

    [Theory]
    [InlineData(FaultDirection.Requests)]
    [InlineData(FaultDirection.Replies)]
    public async Task CutsBothSidesAfterExactlyNBytes(FaultDirection direction)
    {
        using var listener = TcpPeers.Listen();
        var cut = TcpCut.After(10);
        await using var proxy = TcpFaultProxy.Start((System.Net.IPEndPoint)listener.LocalEndPoint!, new TcpFaultProxyOptions
        {
            CutRequests = direction == FaultDirection.Requests ? cut : null,
            CutReplies = direction == FaultDirection.Replies ? cut : null,
        });
        var (client, server) = await TcpPeers.ConnectThroughAsync(listener, proxy.EndPoint);
        using (client)
        using (server)
        {
            var (sender, receiver) = direction == FaultDirection.Requests ? (client, server) : (server, client);
            await TcpPeers.SendAsync(sender, Bytes(25));
            var (received, _) = await TcpPeers.ReadToEndAsync(receiver);
            Assert.Equal(Bytes(10), received);
            var (fromOtherSide, _) = await TcpPeers.ReadToEndAsync(sender); // closed too
            Assert.Empty(fromOtherSide);
            await proxy.WaitUntilAsync(p => p.Counters.Active == 0, Wait, Ct);
            var counters = proxy.Counters;
            Assert.Equal(1, counters.Cut);
            Assert.Equal(10, direction == FaultDirection.Requests ? counters.RequestBytes : counters.ReplyBytes);
            Assert.Equal(0, proxy.OpenSockets - 1); // only the listener is left
        }
    }

    [Fact]
    public async Task RandomCutPointsFollowTheSeed()
    {
        var first = await CutPlansAsync(seed: 99);
        var again = await CutPlansAsync(seed: 99);
        var other = await CutPlansAsync(seed: 100);
        Assert.Equal(first, again);
        Assert.NotEqual(first.Select(p => p.RequestBytes), other.Select(p => p.RequestBytes));
        Assert.All(first, p => Assert.InRange(p.RequestBytes!.Value, 1, 1000));
        Assert.All(first, p => Assert.Null(p.ReplyBytes));
    }

    private static async Task<TcpCutPlan[]> CutPlansAsync(int seed)
    {
        using var listener = TcpPeers.Listen();
        await using var proxy = TcpFaultProxy.Start((System.Net.IPEndPoint)listener.LocalEndPoint!, new TcpFaultProxyOptions
        {
            Seed = seed,
            CutRequests = TcpCut.Between(1, 1000),
        });
        for (var i = 0; i < 4; i++)
        {
            var (client, server) = await TcpPeers.ConnectThroughAsync(listener, proxy.EndPoint);
            using (client)
            using (server)
            {
                await TcpPeers.SendAsync(client, Bytes(1000));
                var (received, _) = await TcpPeers.ReadToEndAsync(server);
                // The cut happens exactly where the plan says.
                Assert.Equal(proxy.CutPlans[i].RequestBytes, received.Length);
            }
        }
        return [.. proxy.CutPlans];
    }

    [Fact]
    public void AboutEveryCallsDrawsAroundCallsTimesBytes()
    {
        Assert.Equal(new TcpCut(4000, 12000), TcpCut.AboutEveryCalls(100, 80));
        Assert.Equal(new TcpCut(7, 7), TcpCut.After(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => TcpCut.Between(5, 4));
    }

    [Fact]
    public async Task MaxCutsLeavesLaterConnectionsAlone()
    {
        using var listener = TcpPeers.Listen();
        await using var proxy = TcpFaultProxy.Start((System.Net.IPEndPoint)listener.LocalEndPoint!, new TcpFaultProxyOptions
        {
            CutRequests = TcpCut.After(5),
            MaxCuts = 1,
        });
        for (var i = 0; i < 2; i++)
        {
            var (client, server) = await TcpPeers.ConnectThroughAsync(listener, proxy.EndPoint);
            using (client)
            using (server)
            {
                await TcpPeers.SendAsync(client, Bytes(20));
                client.Shutdown(SocketShutdown.Send);
                var (received, _) = await TcpPeers.ReadToEndAsync(server);
                Assert.Equal(i == 0 ? 5 : 20, received.Length);
            }
        }
        Assert.Equal(1, proxy.Counters.Cut);
    }

    [Theory]
    [InlineData(FaultDirection.Requests)]
    [InlineData(FaultDirection.Replies)]
    public async Task APartitionStopsOneDirectionOnlyAndHealResumesIt(FaultDirection direction)
    {
        using var listener = TcpPeers.Listen();
        await using var proxy = TcpFaultProxy.Start((System.Net.IPEndPoint)listener.LocalEndPoint!);
        var (client, server) = await TcpPeers.ConnectThroughAsync(listener, proxy.EndPoint);
        using (client)
        using (server)
        {
            var (blockedFrom, blockedTo) = direction == FaultDirection.Requests ? (client, server) : (server, client);
            proxy.Partition(direction);
            Assert.True(proxy.IsPartitioned(direction));

            await TcpPeers.SendAsync(blockedFrom, Encoding.ASCII.GetBytes("stuck"));
            Assert.True(await TcpPeers.ReceivesNothingAsync(blockedTo, Quiet));
            // The other direction still flows, on the same connection.
            await TcpPeers.SendAsync(blockedTo, Encoding.ASCII.GetBytes("flows"));
            Assert.Equal("flows", Encoding.ASCII.GetString(await TcpPeers.ReadExactlyAsync(blockedFrom, 5)));

            proxy.Heal(direction);
            Assert.Equal("stuck", Encoding.ASCII.GetString(await TcpPeers.ReadExactlyAsync(blockedTo, 5)));
            await proxy.WaitUntilAsync(p => p.Counters == new TcpCounters(1, 1, 0, 0, 5, 5), Wait, Ct);
        }
    }

    [Fact]
    public async Task WhileTheServerIsDownConnectionsAreClosedAndAfterItsRestartTheyWork()
    {
        var listener = TcpPeers.Listen();
        var target = (System.Net.IPEndPoint)listener.LocalEndPoint!;
        await using var proxy = TcpFaultProxy.Start(target);
        listener.Dispose();

        using (var refused = await TcpPeers.ConnectAsync(proxy.EndPoint))
        {
            Assert.Empty((await TcpPeers.ReadToEndAsync(refused)).Bytes); // the proxy could not reach the server
        }
        await proxy.WaitUntilAsync(p => p.Counters.Rejected == 1 && p.Counters.Active == 0, Wait, Ct);

        using var restarted = TcpPeers.Listen(target.Port);
        var (client, server) = await TcpPeers.ConnectThroughAsync(restarted, proxy.EndPoint);
        using (client)
        using (server)
        {
            await TcpPeers.SendAsync(client, [1, 2, 3]);
            Assert.Equal([1, 2, 3], await TcpPeers.ReadExactlyAsync(server, 3));
        }
    }

    [Fact]
    public async Task CutAllClosesEveryOpenConnection()
    {
        using var listener = TcpPeers.Listen();
        await using var proxy = TcpFaultProxy.Start((System.Net.IPEndPoint)listener.LocalEndPoint!);
        var (client1, server1) = await TcpPeers.ConnectThroughAsync(listener, proxy.EndPoint);
        var (client2, server2) = await TcpPeers.ConnectThroughAsync(listener, proxy.EndPoint);
        using (client1)
        using (server1)
        using (client2)
        using (server2)
        {
            await proxy.WaitUntilAsync(p => p.Counters.Active == 2, Wait, Ct);
            Assert.Equal(2, proxy.CutAll());
            foreach (var socket in new[] { client1, server1, client2, server2 })
            {
                Assert.Empty((await TcpPeers.ReadToEndAsync(socket)).Bytes);
            }
            await proxy.WaitUntilAsync(p => p.Counters.Active == 0, Wait, Ct);
            Assert.Equal(2, proxy.Counters.Cut);
        }
    }

    [Fact]
    public async Task DisposeClosesEverythingEvenWhilePartitioned()
    {
        using var listener = TcpPeers.Listen();
        var proxy = TcpFaultProxy.Start((System.Net.IPEndPoint)listener.LocalEndPoint!);
        var (client, server) = await TcpPeers.ConnectThroughAsync(listener, proxy.EndPoint);
        using (client)
        using (server)
        {
            proxy.Partition(FaultDirection.Requests);
            await TcpPeers.SendAsync(client, Bytes(100));
            await proxy.WaitUntilAsync(p => p.Counters.Active == 1, Wait, Ct);
            Assert.Equal(3, proxy.OpenSockets);

            await proxy.DisposeAsync().AsTask().WaitAsync(Wait, Ct);
            Assert.Equal(0, proxy.OpenSockets);
            Assert.Empty((await TcpPeers.ReadToEndAsync(server)).Bytes); // the held bytes never went
            _ = await TcpPeers.ReadToEndAsync(client);
            await Assert.ThrowsAsync<SocketException>(() => TcpPeers.ConnectAsync(proxy.EndPoint));
            Assert.Equal(0, proxy.Counters.Cut); // closing is not a cut
        }
    }
}
