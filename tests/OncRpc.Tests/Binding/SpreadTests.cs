using OncRpc.Binding;
using OncRpc.Xdr;

namespace OncRpc.Tests.Binding;

/// <summary>An imported client spreads calls over three of our servers on loopback as its
/// policy says, within the tolerance stated in docs/binder.md.</summary>
public sealed class SpreadTests : IAsyncLifetime
{
    private const int Calls = 3000;
    private readonly BinderCluster _cluster = new(3);

    public async ValueTask InitializeAsync() => await _cluster.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    private RpcImportedClient Import(RpcBalancingPolicy policy, RpcInstanceFilter? filter = null) =>
        RpcBinder.Import(new RpcStaticResolver(_cluster.Instances()), BinderCluster.Program, BinderCluster.Version,
            new RpcImportOptions { Policy = policy, Filter = filter, HealthCheckInterval = Timeout.InfiniteTimeSpan });

    private async Task CallAsync(RpcImportedClient client, int calls)
    {
        for (int i = 0; i < calls; i++)
        {
            XdrInt result = await client.CallAsync<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(i), TestContext.Current.CancellationToken);
            Assert.Equal(i, result.Value);
        }
    }

    [Fact]
    public async Task Round_robin_gives_each_server_the_same_share()
    {
        await using RpcImportedClient client = Import(RpcBalancingPolicy.RoundRobin);
        await CallAsync(client, 300);
        Assert.Equal([100, 100, 100], Enumerable.Range(0, 3).Select(_cluster.Echoes));
    }

    [Theory]
    [InlineData(RpcBalancingPolicy.Random)]
    [InlineData(RpcBalancingPolicy.LeastOutstanding)]
    [InlineData(RpcBalancingPolicy.PowerOfTwoChoices)]
    public async Task Each_server_gets_a_third_within_fifteen_percent(RpcBalancingPolicy policy)
    {
        await using RpcImportedClient client = Import(policy);
        await CallAsync(client, Calls);
        // 1,000 expected each; one standard deviation of a fair split is about 26 calls, so
        // +-150 fails a broken spread and (almost) never a fair one.
        Assert.All(Enumerable.Range(0, 3), i => Assert.InRange(_cluster.Echoes(i), 850, 1150));
    }

    [Fact]
    public async Task Health_probes_keep_healthy_servers_in_rotation_and_the_spread_even()
    {
        await using RpcImportedClient client = RpcBinder.Import(new RpcStaticResolver(_cluster.Instances()),
            BinderCluster.Program, BinderCluster.Version, new RpcImportOptions { HealthCheckInterval = TimeSpan.FromMilliseconds(20) });
        for (int round = 0; round < 30; round++)
        {
            await CallAsync(client, 100);
            Assert.All(client.Instances, i => Assert.True(i.Healthy, $"{i.Instance.Id} ejected: {i.Failures} failures"));
        }
        Assert.All(Enumerable.Range(0, 3), i => Assert.InRange(_cluster.Echoes(i), 850, 1150));
    }

    [Fact]
    public async Task Least_outstanding_spreads_concurrent_calls_over_every_server()
    {
        await using RpcImportedClient client = Import(RpcBalancingPolicy.LeastOutstanding);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CallAsync(client, 200)));
        Assert.Equal(1600, Enumerable.Range(0, 3).Sum(_cluster.Echoes));
        Assert.All(Enumerable.Range(0, 3), i => Assert.InRange(_cluster.Echoes(i), 300, 800));
    }

    [Fact]
    public async Task A_denied_zone_gets_nothing_and_an_allowed_host_list_keeps_the_rest()
    {
        await using var zoned = new BinderCluster(3, i => new RpcInstanceMetadata { Zone = i == 1 ? "b" : "a" });
        await zoned.StartAsync(TestContext.Current.CancellationToken);
        await using RpcImportedClient client = RpcBinder.Import(new RpcStaticResolver(zoned.Instances()),
            BinderCluster.Program, BinderCluster.Version, new RpcImportOptions
            {
                Policy = RpcBalancingPolicy.RoundRobin,
                Filter = new RpcInstanceFilter().Allow(RpcInstanceFilter.Host("127.0.0.1")).Deny(RpcInstanceFilter.Zone("b")),
                HealthCheckInterval = Timeout.InfiniteTimeSpan,
            });
        await CallAsync(client, 100);
        Assert.Equal([50, 0, 50], Enumerable.Range(0, 3).Select(zoned.Echoes));
        Assert.Equal(["server-0", "server-2"], client.Instances.Select(i => i.Instance.Id));
    }

    [Fact]
    public async Task Weights_share_random_picks_in_proportion()
    {
        await using var weighted = new BinderCluster(3, i => new RpcInstanceMetadata { Weight = i == 2 ? 2 : 1 });
        await weighted.StartAsync(TestContext.Current.CancellationToken);
        await using RpcImportedClient client = RpcBinder.Import(new RpcStaticResolver(weighted.Instances()),
            BinderCluster.Program, BinderCluster.Version,
            new RpcImportOptions { Policy = RpcBalancingPolicy.Random, HealthCheckInterval = Timeout.InfiniteTimeSpan });
        await CallAsync(client, 2000);
        Assert.InRange(weighted.Echoes(0), 400, 600);
        Assert.InRange(weighted.Echoes(1), 400, 600);
        Assert.InRange(weighted.Echoes(2), 850, 1150);
    }

    [Fact]
    public async Task Synchronous_calls_are_spread_too()
    {
        await using RpcImportedClient client = Import(RpcBalancingPolicy.RoundRobin);
        await client.WhenResolvedAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        for (int i = 0; i < 30; i++)
        {
            Assert.Equal(i, client.Call<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(i), TestContext.Current.CancellationToken).Value);
        }
        Assert.Equal([10, 10, 10], Enumerable.Range(0, 3).Select(_cluster.Echoes));
    }
}
