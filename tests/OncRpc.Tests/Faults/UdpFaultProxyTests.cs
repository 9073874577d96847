using Microsoft.Extensions.Time.Testing;
using OncRpc.Testing.Faults;

namespace OncRpc.Tests.Faults;

public sealed class UdpFaultProxyTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    // Sends one datagram and waits until the proxy has handled it, so the proxy sees the
    // datagrams in the order sent (and the test never races its loops).
    private static async Task SendThroughAsync(UdpFaultProxy proxy, UdpPeer client, string text)
    {
        var before = proxy.Requests.Received;
        client.SendTo(proxy.EndPoint, text);
        await proxy.WaitUntilAsync(p => p.Requests.Received > before, Wait, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ForwardsBothWaysWithoutFaults()
    {
        using var server = new UdpPeer();
        using var client = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint);
        var echo = server.EchoAsync(3);
        string[] sent = ["a", "bb", "ccc"];
        foreach (var text in sent)
        {
            client.SendTo(proxy.EndPoint, text);
            var (reply, from) = await client.ReceiveAsync();
            Assert.Equal(text, reply);
            Assert.Equal<System.Net.EndPoint>(proxy.EndPoint, from); // replies come from the proxy
        }
        await echo.WaitAsync(Wait, TestContext.Current.CancellationToken);
        // A datagram is counted once its send returned, which may be just after it arrived.
        var expected = new UdpCounters(3, 3, 0, 0, 0, 0, 0, 0, 0);
        await proxy.WaitUntilAsync(p => p.Requests == expected && p.Replies == expected, Wait, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task DroppingEveryRequestDeliversNothing()
    {
        using var server = new UdpPeer();
        using var client = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions { Requests = new UdpFaults { Drop = 1.0 } });
        for (var i = 0; i < 20; i++)
        {
            await SendThroughAsync(proxy, client, $"call {i}");
        }
        Assert.True(await server.ReceivesNothingAsync(Quiet));
        Assert.Equal(new UdpCounters(20, 0, 20, 0, 0, 0, 0, 0, 0), proxy.Requests);
        Assert.All(proxy.Decisions(FaultDirection.Requests), d => Assert.Equal(FaultActions.Dropped, d.Actions));
    }

    [Fact]
    public async Task DroppingEveryReplyDeliversNothingBack()
    {
        using var server = new UdpPeer();
        using var client = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions { Replies = new UdpFaults { Drop = 1.0 } });
        var echo = server.EchoAsync(10);
        for (var i = 0; i < 10; i++)
        {
            client.SendTo(proxy.EndPoint, $"call {i}");
        }
        await echo.WaitAsync(Wait, TestContext.Current.CancellationToken); // every request arrived
        await proxy.WaitUntilAsync(p => p.Replies.Received == 10 && p.Requests.Received == 10, Wait, TestContext.Current.CancellationToken);
        Assert.True(await client.ReceivesNothingAsync(Quiet));
        Assert.Equal(10, proxy.Replies.Dropped);
        Assert.Equal(10, proxy.Requests.Forwarded);
    }

    [Fact]
    public async Task DuplicatingEveryRequestDeliversEachTwice()
    {
        using var server = new UdpPeer();
        using var client = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions { Requests = new UdpFaults { Duplicate = 1.0 } });
        for (var i = 0; i < 10; i++)
        {
            await SendThroughAsync(proxy, client, $"call {i}");
        }
        var received = await server.ReceiveManyAsync(20);
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(i => new[] { $"call {i}", $"call {i}" }), received);
        Assert.True(await server.ReceivesNothingAsync(Quiet));
        Assert.Equal(new UdpCounters(10, 20, 0, 10, 0, 0, 0, 0, 0), proxy.Requests);
    }

    [Fact]
    public async Task ReorderingHoldsOneBackUntilAfterTheNext()
    {
        using var server = new UdpPeer();
        using var client = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions
        {
            Requests = new UdpFaults { Reorder = 1.0 },
            ReorderHoldLimit = Timeout.InfiniteTimeSpan,
        });
        // a is held; b cannot be held too (one place per client), goes, then a; likewise c, d.
        foreach (var text in new[] { "a", "b", "c", "d" })
        {
            await SendThroughAsync(proxy, client, text);
        }
        Assert.Equal(["b", "a", "d", "c"], await server.ReceiveManyAsync(4));
        Assert.Equal(2, proxy.Requests.Reordered);
        Assert.Equal(2, proxy.Requests.HoldRefused);
        Assert.Equal(0, proxy.HeldDatagrams);
    }

    [Fact]
    public async Task AHeldDatagramGoesOutAfterTheHoldLimitOnTheProxysClock()
    {
        var time = new FakeTimeProvider();
        using var server = new UdpPeer();
        using var client = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions
        {
            Requests = new UdpFaults { Reorder = 1.0 },
            ReorderHoldLimit = TimeSpan.FromSeconds(1),
            TimeProvider = time,
        });
        await SendThroughAsync(proxy, client, "last");
        Assert.True(await server.ReceivesNothingAsync(Quiet));
        Assert.Equal(1, proxy.HeldDatagrams);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("last", (await server.ReceiveAsync()).Text);
        await proxy.WaitUntilAsync(p => p.HeldDatagrams == 0, Wait, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task DelaysFollowTheProxysClock()
    {
        var time = new FakeTimeProvider();
        using var server = new UdpPeer();
        using var client = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions
        {
            Requests = new UdpFaults { Delay = 1.0, MaxDelay = TimeSpan.FromSeconds(10) },
            TimeProvider = time,
        });
        await SendThroughAsync(proxy, client, "late");
        var delay = Assert.Single(proxy.Decisions(FaultDirection.Requests)).Delay;
        Assert.InRange(delay, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.True(await server.ReceivesNothingAsync(Quiet));
        Assert.Equal(1, proxy.Requests.Delayed);
        time.Advance(delay + TimeSpan.FromTicks(1));
        Assert.Equal("late", (await server.ReceiveAsync()).Text);
        await proxy.WaitUntilAsync(p => p.Requests.Forwarded == 1 && p.HeldDatagrams == 0, Wait, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task HeldDatagramsAreBounded()
    {
        var time = new FakeTimeProvider();
        using var server = new UdpPeer();
        using var client = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions
        {
            Requests = new UdpFaults { Delay = 1.0, MaxDelay = TimeSpan.FromSeconds(1) },
            MaxHeldDatagrams = 2,
            TimeProvider = time,
        });
        for (var i = 0; i < 5; i++)
        {
            await SendThroughAsync(proxy, client, $"d{i}");
        }
        // The first two are held; the other three find no place and go at once.
        Assert.Equal(["d2", "d3", "d4"], await server.ReceiveManyAsync(3));
        Assert.Equal(2, proxy.HeldDatagrams);
        Assert.Equal((2L, 3L), (proxy.Requests.Delayed, proxy.Requests.HoldRefused));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["d0", "d1"], (await server.ReceiveManyAsync(2)).Order());
        await proxy.WaitUntilAsync(p => p.HeldDatagrams == 0, Wait, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task TheSameSeedDrawsTheSameDecisions()
    {
        var first = await DecisionsAsync(seed: 20261202);
        var again = await DecisionsAsync(seed: 20261202);
        var other = await DecisionsAsync(seed: 7);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        // Every kind of fault is exercised, so the equality says something.
        foreach (var action in new[] { FaultActions.Dropped, FaultActions.Duplicated, FaultActions.Delayed, FaultActions.Reordered })
        {
            Assert.Contains(first, d => (d.Actions & action) != 0);
        }
        Assert.Contains(first, d => d.Actions == FaultActions.None);
    }

    private static async Task<FaultDecision[]> DecisionsAsync(int seed)
    {
        using var server = new UdpPeer();
        using var client = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions
        {
            Seed = seed,
            Requests = new UdpFaults { Drop = 0.3, Duplicate = 0.2, Delay = 0.2, MaxDelay = TimeSpan.FromMilliseconds(2), Reorder = 0.2 },
        });
        for (var i = 0; i < 200; i++)
        {
            await SendThroughAsync(proxy, client, $"call {i}");
        }
        var decisions = proxy.Decisions(FaultDirection.Requests);
        Assert.Equal(200, decisions.Count);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), decisions.Select(d => d.Sequence));
        return [.. decisions];
    }

    [Fact]
    public async Task EachClientGetsItsOwnReplies()
    {
        using var server = new UdpPeer();
        using var alice = new UdpPeer();
        using var bob = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint);
        var echo = server.EchoAsync(4);
        alice.SendTo(proxy.EndPoint, "alice 1");
        bob.SendTo(proxy.EndPoint, "bob 1");
        alice.SendTo(proxy.EndPoint, "alice 2");
        bob.SendTo(proxy.EndPoint, "bob 2");
        Assert.Equal(["alice 1", "alice 2"], await alice.ReceiveManyAsync(2));
        Assert.Equal(["bob 1", "bob 2"], await bob.ReceiveManyAsync(2));
        await echo.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(2, proxy.Clients);
        Assert.Equal(3, proxy.OpenSockets); // the listener and one toward the server per client
    }

    [Fact]
    public async Task AServerRestartedOnTheSamePortIsReachedAgainThroughTheSameClient()
    {
        using var client = new UdpPeer();
        var server = new UdpPeer();
        var port = server.EndPoint;
        await using var proxy = UdpFaultProxy.Start(port);
        var echo = server.EchoAsync(1);
        client.SendTo(proxy.EndPoint, "before");
        Assert.Equal("before", (await client.ReceiveAsync()).Text);
        await echo.WaitAsync(Wait, TestContext.Current.CancellationToken);

        // Stopped: the forwarded datagram draws an ICMP port unreachable on the proxy's socket
        // toward the server, which must not end that client's session.
        server.Dispose();
        // Wait until the proxy has sent it on into the closed port (or had that refused), not only
        // received it: one still on its way could reach the restarted server and be echoed in
        // place of "after".
        long settled = proxy.Requests.Forwarded + proxy.Requests.SendFailures;
        client.SendTo(proxy.EndPoint, "while down");
        await proxy.WaitUntilAsync(p => p.Requests.Forwarded + p.Requests.SendFailures > settled, Wait, TestContext.Current.CancellationToken);
        using var restarted = new UdpPeer(port.Port);
        echo = restarted.EchoAsync(1);
        client.SendTo(proxy.EndPoint, "after");
        Assert.Equal("after", (await client.ReceiveAsync()).Text);
        await echo.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(1, proxy.Clients);
    }

    [Fact]
    public async Task ClientsBeyondTheBoundAreRejected()
    {
        using var server = new UdpPeer();
        using var alice = new UdpPeer();
        using var bob = new UdpPeer();
        await using var proxy = UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions { MaxClients = 1 });
        await SendThroughAsync(proxy, alice, "alice");
        await SendThroughAsync(proxy, bob, "bob");
        Assert.Equal("alice", (await server.ReceiveAsync()).Text);
        Assert.True(await server.ReceivesNothingAsync(Quiet));
        Assert.Equal(1, proxy.Requests.RejectedClients);
    }

    [Fact]
    public async Task DisposeClosesEverySocketAndCancelsHeldDatagrams()
    {
        var time = new FakeTimeProvider();
        using var server = new UdpPeer();
        using var client = new UdpPeer();
        var proxy = UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions
        {
            Requests = new UdpFaults { Delay = 1.0, MaxDelay = TimeSpan.FromSeconds(1) },
            TimeProvider = time,
        });
        await SendThroughAsync(proxy, client, "held");
        Assert.Equal(2, proxy.OpenSockets);

        await proxy.DisposeAsync().AsTask().WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(0, proxy.OpenSockets);
        time.Advance(TimeSpan.FromSeconds(2)); // the delay timer is gone with the proxy
        client.SendTo(proxy.EndPoint, "after");
        Assert.True(await server.ReceivesNothingAsync(Quiet));
        Assert.Equal(1, proxy.Requests.Received);
        await proxy.DisposeAsync(); // idempotent
    }

    [Fact]
    public void ProbabilitiesAreChecked()
    {
        using var server = new UdpPeer();
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions { Replies = new UdpFaults { Drop = 1.5 } }));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            UdpFaultProxy.Start(server.EndPoint, new UdpFaultProxyOptions { Requests = new UdpFaults { Reorder = double.NaN } }));
    }
}
