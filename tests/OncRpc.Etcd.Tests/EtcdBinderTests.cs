using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Binding;
using OncRpc.Client;
using OncRpc.Tests.Binding;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Etcd.Tests;

/// <summary>The etcd backend against a real three-member etcd cluster on loopback: export under
/// leases, import through watches, and calls that go on while etcd members die.</summary>
public sealed class EtcdBinderTests
{
    private static readonly TimeSpan s_ttl = TimeSpan.FromSeconds(2);

    private static RpcImportedClient Import(string connectionString, RpcBalancingPolicy policy) =>
        RpcBinder.Import(new EtcdResolver(connectionString) { RequestTimeout = TimeSpan.FromSeconds(1), ResyncInterval = TimeSpan.FromSeconds(2) },
            BinderCluster.Program, BinderCluster.Version, new RpcImportOptions
            {
                Policy = policy,
                HealthCheckInterval = TimeSpan.FromMilliseconds(200),
                ClientOptions = new RpcClientOptions { Timeout = TimeSpan.FromSeconds(5) },
            });

    [Fact]
    public async Task Three_exported_servers_are_imported_and_share_the_calls()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using EtcdCluster etcd = await EtcdCluster.StartAsync(3, ct);
        await using var servers = new BinderCluster(3) { Exporters = () => [new EtcdExporter(etcd.ConnectionString) { Ttl = s_ttl }] };
        await servers.StartAsync(ct);
        await using RpcImportedClient client = Import(etcd.ConnectionString, RpcBalancingPolicy.RoundRobin);
        await WaitUntilAsync(() => client.Instances.Count == 3, "three instances imported");

        for (int i = 0; i < 300; i++)
        {
            Assert.Equal(i, (await client.CallAsync<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(i), ct)).Value);
        }
        Assert.Equal([100, 100, 100], Enumerable.Range(0, 3).Select(servers.Echoes));
        Assert.Equal(["server-0", "server-1", "server-2"], client.Instances.Select(i => i.Instance.Id).Order());
    }

    [Fact]
    public async Task A_withdrawn_export_leaves_at_once_and_an_abandoned_one_when_its_lease_runs_out()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using EtcdCluster etcd = await EtcdCluster.StartAsync(3, ct);
        var exporter = new EtcdExporter(etcd.ConnectionString) { Ttl = s_ttl };
        var resolver = new EtcdResolver(etcd.ConnectionString);
        RpcInstance Instance(string id) => new(id, BinderCluster.Program, BinderCluster.Version,
            [new RpcInstanceEndpoint(RpcTransportKind.Tcp, BinderCluster.ClosedPort())],
            new RpcInstanceMetadata { Zone = "z1", Weight = 3, Build = "b7", Properties = new Dictionary<string, string> { ["k"] = "v" } });
        var stopped = (EtcdExport)await exporter.ExportAsync([Instance("stopped")], NullLogger.Instance, ct);
        var crashed = (EtcdExport)await exporter.ExportAsync([Instance("crashed")], NullLogger.Instance, ct);

        IReadOnlyList<RpcInstance> listed = await resolver.ListAsync(cancellationToken: ct);
        Assert.Equal(["crashed", "stopped"], listed.Select(i => i.Id).Order());
        RpcInstance read = listed.Single(i => i.Id == "stopped");
        Assert.Equal(stopped.Instances[0].Endpoints, read.Endpoints);
        Assert.Equal(("z1", 3, "b7", "v"), (read.Metadata.Zone, read.Metadata.Weight, read.Metadata.Build, read.Metadata.Properties["k"]));

        await stopped.WithdrawAsync(ct);
        Assert.Equal(["crashed"], (await resolver.ListAsync(cancellationToken: ct)).Select(i => i.Id));

        // Kept alive, it outlives several TTLs... Real time passing is what is under test here (etcd's
        // clock cannot be faked), so it is watched all along rather than slept through: listed at
        // every look, under the same lease (renewed, not exported again after expiring).
        long lease = crashed.LeaseId;
        var kept = System.Diagnostics.Stopwatch.StartNew();
        await WaitUntilAsync(async () =>
        {
            Assert.Equal(["crashed"], (await resolver.ListAsync(cancellationToken: ct)).Select(i => i.Id));
            Assert.Equal(lease, crashed.LeaseId);
            return kept.Elapsed > s_ttl * 2;
        }, "the kept-alive export outlived two TTLs");
        // ...abandoned (the server died), etcd drops it when the lease runs out.
        await crashed.AbandonAsync();
        var abandonedAt = System.Diagnostics.Stopwatch.StartNew();
        await WaitUntilAsync(async () => (await resolver.ListAsync(cancellationToken: ct)).Count == 0, "the abandoned key expired");
        Assert.True(abandonedAt.Elapsed < s_ttl + TimeSpan.FromSeconds(5), $"expired after {abandonedAt.Elapsed}");
    }

    [Fact]
    public async Task A_live_export_keeps_its_key_through_an_etcd_outage_longer_than_its_retries()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using EtcdCluster etcd = await EtcdCluster.StartAsync(1, ct);
        var log = new ExportLog();
        var exporter = new EtcdExporter(etcd.ConnectionString) { Ttl = s_ttl, RequestTimeout = TimeSpan.FromSeconds(1) };
        var resolver = new EtcdResolver(etcd.ConnectionString) { RequestTimeout = TimeSpan.FromSeconds(1) };
        var live = (EtcdExport)await exporter.ExportAsync([new RpcInstance("live", BinderCluster.Program, BinderCluster.Version,
            [new RpcInstanceEndpoint(RpcTransportKind.Tcp, BinderCluster.ClosedPort())], RpcInstanceMetadata.Default)], log, ct);

        // Down long enough for retries doubling from 200 ms to 5 s to wait well past the TTL (the
        // tenth failure after about 6 s, the next try 5 s later): a third of the TTL at most.
        await etcd.KillAsync(0);
        await WaitUntilAsync(() => log.Failures >= 10, "ten failed keep-alive rounds while etcd was down");
        log.Note("etcd started again");
        etcd.Start(0);

        // etcd back gives the old lease a full TTL: the export must renew or replace it before
        // that runs out, so from the first answer on, every read lists the instance.
        await WaitUntilAsync(async () => (await TryListAsync(resolver, ct)) is { Count: 1 }, "etcd answered again");
        var watched = System.Diagnostics.Stopwatch.StartNew();
        await WaitUntilAsync(async () =>
        {
            if (await TryListAsync(resolver, ct) is { } listed)
            {
                Assert.True(listed.Select(i => i.Id).SequenceEqual(["live"]),
                    $"read [{string.Join(", ", listed.Select(i => i.Id))}] after {watched.Elapsed}; the export's log:\n{log}");
            }
            return watched.Elapsed > s_ttl * 3;
        }, "three TTLs watched after etcd came back");
        await live.WithdrawAsync(ct);
    }

    private static async Task<IReadOnlyList<RpcInstance>?> TryListAsync(EtcdResolver resolver, CancellationToken ct)
    {
        try
        {
            return await resolver.ListAsync(cancellationToken: ct);
        }
        catch (Grpc.Core.RpcException)
        {
            return null; // still starting, no leader yet
        }
    }

    /// <summary>The export's log with times (for a failure's message), counting its failed
    /// keep-alive rounds (event 1600).</summary>
    private sealed class ExportLog : Microsoft.Extensions.Logging.ILogger
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public void Note(string line) => _lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");

        public override string ToString() => string.Join('\n', _lines);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Note(formatter(state, exception));
            if (eventId.Id == 1600)
            {
                Interlocked.Increment(ref _failures);
            }
        }
    }

    [Fact]
    public async Task Calls_go_on_through_member_loss_and_a_total_outage_and_the_view_converges_after()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using EtcdCluster etcd = await EtcdCluster.StartAsync(3, ct);
        await using var servers = new BinderCluster(3) { Exporters = () => [new EtcdExporter(etcd.ConnectionString) { Ttl = s_ttl }] };
        await servers.StartAsync(ct);
        await using RpcImportedClient client = Import(etcd.ConnectionString, RpcBalancingPolicy.PowerOfTwoChoices);
        await WaitUntilAsync(() => client.Instances.Count == 3, "three instances imported");

        IReadOnlyList<Exception> failures;
        await using (var callers = new ContinuousCallers(client, 2, ct))
        {
            await etcd.KillAsync(0);
            int mark = callers.Completed;
            await WaitUntilAsync(() => callers.Completed >= mark + 500, "calls with one etcd member down");

            await etcd.KillAsync(1);
            await etcd.KillAsync(2);
            mark = callers.Completed;
            await WaitUntilAsync(() => callers.Completed >= mark + 500, "calls with every etcd member down");
            Assert.Equal(3, client.Instances.Count); // the last known set

            // A server stops while etcd is down: its withdrawal cannot reach etcd, health ejects it.
            await servers.KillAsync(2);
            mark = callers.Completed;
            await WaitUntilAsync(() => callers.Completed >= mark + 500, "calls after a server left during the outage");

            for (int i = 0; i < 3; i++)
            {
                etcd.Start(i);
            }
            // Its lease runs out once etcd is back; the others were exported again under new leases.
            await WaitUntilAsync(() => client.Instances.Count == 2, "the view converged to the two live servers");
            Assert.Equal(["server-0", "server-1"], client.Instances.Select(i => i.Instance.Id).Order());
            failures = await callers.StopAsync();
        }
        Assert.Empty(failures);
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => Eventually.ReachedAsync(condition, what);

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string what) => Eventually.ReachedAsync(condition, what);
}
