using Microsoft.Extensions.Time.Testing;
using OncRpc.Binding;
using OncRpc.Client;
using OncRpc.Testing.Faults;
using OncRpc.Xdr;

using OncRpc.Tests.Support;

namespace OncRpc.Tests.Binding;

/// <summary>Health and failover of an imported client against our servers on loopback: a
/// killed server costs no idempotent call, is ejected and comes back when restarted; an
/// at-most-once call is moved only when it was never sent.</summary>
public sealed class FailoverTests : IAsyncLifetime
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private readonly BinderCluster _cluster = new(3);

    public async ValueTask InitializeAsync() => await _cluster.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    private RpcImportedClient Import(RpcBalancingPolicy policy = RpcBalancingPolicy.RoundRobin, TimeSpan? healthInterval = null,
        IRpcResolver? resolver = null, RpcClientOptions? clientOptions = null) =>
        RpcBinder.Import(resolver ?? new RpcStaticResolver(_cluster.Instances()), BinderCluster.Program, BinderCluster.Version,
            new RpcImportOptions
            {
                Policy = policy,
                HealthCheckInterval = healthInterval ?? TimeSpan.FromMilliseconds(100),
                HealthCheckTimeout = TimeSpan.FromSeconds(1),
                ClientOptions = clientOptions ?? new RpcClientOptions { Timeout = TimeSpan.FromSeconds(5) },
            });

    /// <summary>The cluster behind an instance "dead" whose port refuses connections, no polling.</summary>
    private RpcImportedClient ImportWithDeadFirst() =>
        Import(healthInterval: Timeout.InfiniteTimeSpan, resolver: new RpcStaticResolver([Dead(), .. _cluster.Instances()]));

    private static RpcInstance Dead() => new("dead", BinderCluster.Program, BinderCluster.Version,
        [new RpcInstanceEndpoint(RpcTransportKind.Tcp, BinderCluster.ClosedPort())], RpcInstanceMetadata.Default);

    private static bool Healthy(RpcImportedClient client, string id) => client.Instances.Single(i => i.Instance.Id == id).Healthy;

    [Fact]
    public async Task A_killed_server_costs_no_idempotent_call_is_ejected_and_is_used_again_after_restart()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using RpcImportedClient client = Import(RpcBalancingPolicy.PowerOfTwoChoices);
        IReadOnlyList<Exception> failures;
        await using (var callers = new ContinuousCallers(client, 4, ct))
        {
            await WaitUntilAsync(() => _cluster.Echoes(1) >= 200, "server 1 took calls");

            await _cluster.KillAsync(1);
            int atKill = _cluster.Echoes(0) + _cluster.Echoes(2);
            await WaitUntilAsync(() => !Healthy(client, "server-1"), "server 1 ejected");
            await WaitUntilAsync(() => _cluster.Echoes(0) + _cluster.Echoes(2) >= atKill + 2000, "calls continued on the others");

            await _cluster.StartAsync(1, ct);
            int atRestart = _cluster.Echoes(1);
            await WaitUntilAsync(() => Healthy(client, "server-1") && _cluster.Echoes(1) >= atRestart + 100, "server 1 used again");
            failures = await callers.StopAsync();
            Assert.True(callers.Completed > 2000);
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task A_server_cut_off_without_a_reset_is_ejected_by_its_probes_and_its_calls_move_long_before_their_timeout()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        // Server 1 is reached through a proxy that can swallow traffic both ways, as a network
        // partition does: no reset, no refusal, just silence.
        await using TcpFaultProxy proxy = TcpFaultProxy.Start(_cluster.EndPoint(1));
        RpcInstance[] instances = _cluster.Instances();
        instances[1] = instances[1] with { Endpoints = [new RpcInstanceEndpoint(RpcTransportKind.Tcp, proxy.EndPoint)] };
        await using RpcImportedClient client = RpcBinder.Import(new RpcStaticResolver(instances), BinderCluster.Program, BinderCluster.Version,
            new RpcImportOptions
            {
                Policy = RpcBalancingPolicy.RoundRobin,
                HealthCheckInterval = TimeSpan.FromMilliseconds(100),
                HealthCheckTimeout = TimeSpan.FromMilliseconds(200),
                ClientOptions = new RpcClientOptions { Timeout = TimeSpan.FromSeconds(60) },
            });
        IReadOnlyList<Exception> failures;
        await using (var callers = new ContinuousCallers(client, 4, ct))
        {
            await WaitUntilAsync(() => _cluster.Echoes(1) >= 200, "server 1 took calls");
            proxy.Partition(FaultDirection.Requests);
            proxy.Partition(FaultDirection.Replies);
            var cut = System.Diagnostics.Stopwatch.StartNew();
            await WaitUntilAsync(() => !Healthy(client, "server-1"), "server 1 ejected");
            TimeSpan ejectedAfter = cut.Elapsed;
            int mark = callers.Completed;
            await WaitUntilAsync(() => callers.Completed >= mark + 2000, "calls continued on the others");
            // Two probes of 200 ms every 100 ms: about 0.6 s; the calls stuck behind the cut
            // moved when the ejection closed their connection, not after their 60 s timeout.
            Assert.True(ejectedAfter < TimeSpan.FromSeconds(5), $"ejected after {ejectedAfter}");
            Assert.True(cut.Elapsed < TimeSpan.FromSeconds(20), $"calls resumed only after {cut.Elapsed}");
            failures = await callers.StopAsync();
        }
        Assert.Empty(failures);
    }

    [Fact]
    public async Task An_at_most_once_call_that_reached_a_dying_server_is_not_moved_and_says_it_may_have_run()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        _cluster.HoldAppends = true;
        await using RpcImportedClient client = Import(healthInterval: Timeout.InfiniteTimeSpan);
        Task<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(BinderCluster.Append, new XdrInt(7), ct).AsTask();
        int holder = await _cluster.AppendArrived.Task.WaitAsync(s_bound, ct);

        await _cluster.KillAsync(holder);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.WaitAsync(s_bound, ct));
        Assert.Contains("may have executed", error.Message);
        Assert.Equal(1, Enumerable.Range(0, 3).Sum(_cluster.Appends));
    }

    [Fact]
    public async Task An_at_most_once_call_moves_past_an_instance_that_refuses_the_connection()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using RpcImportedClient client = ImportWithDeadFirst();
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(i, (await client.CallAsync<XdrInt, XdrInt>(BinderCluster.Append, new XdrInt(i), ct)).Value);
        }
        Assert.Equal(40, Enumerable.Range(0, 3).Sum(_cluster.Appends));
        Assert.False(Healthy(client, "dead"));
    }

    [Fact]
    public async Task A_one_way_call_moves_past_a_refused_connection_and_is_sent_once()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using RpcImportedClient client = ImportWithDeadFirst();
        for (int i = 0; i < 8; i++)
        {
            await client.SendOneWayAsync(BinderCluster.Note, new XdrInt(i), ct);
        }
        await WaitUntilAsync(() => Enumerable.Range(0, 3).Sum(_cluster.Notes) >= 8, "eight notes handled");
        Assert.Equal(8, Enumerable.Range(0, 3).Sum(_cluster.Notes));
        Assert.False(Healthy(client, "dead"));
    }

    [Fact]
    public async Task Without_polling_an_ejected_instance_is_tried_again_after_its_ejection_time()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using RpcImportedClient client = Import(healthInterval: Timeout.InfiniteTimeSpan,
            resolver: new RpcStaticResolver([Dead(), .. _cluster.Instances()]),
            clientOptions: new RpcClientOptions { Timeout = TimeSpan.FromSeconds(5), TimeProvider = time });
        await client.WhenResolvedAsync(ct).WaitAsync(s_bound, ct);
        for (int i = 0; i < 8; i++)
        {
            await client.CallAsync<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(i), ct);
        }
        Assert.Equal(1, client.Instances.Single(i => i.Instance.Id == "dead").Failures);

        time.Advance(TimeSpan.FromSeconds(5)); // RpcImportOptions.EjectionTime
        for (int i = 0; i < 8; i++)
        {
            await client.CallAsync<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(i), ct);
        }
        Assert.Equal(2, client.Instances.Single(i => i.Instance.Id == "dead").Failures);
        Assert.Equal(16, Enumerable.Range(0, 3).Sum(_cluster.Echoes));
    }

    [Fact]
    public async Task With_every_instance_gone_the_call_fails_with_cannot_bind()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using RpcImportedClient client = Import(healthInterval: Timeout.InfiniteTimeSpan,
            resolver: RpcStaticResolver.ForEndPoints(RpcTransportKind.Tcp, BinderCluster.ClosedPort(), BinderCluster.ClosedPort()));
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.CallAsync<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(1), ct).AsTask().WaitAsync(s_bound, ct));
        Assert.Equal(RpcStatus.CannotBind, error.Status);
        Assert.All(client.Instances, i => Assert.False(i.Healthy));
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => Eventually.ReachedAsync(condition, what);
}
