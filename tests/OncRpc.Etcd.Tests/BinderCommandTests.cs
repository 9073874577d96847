using System.Text.Json;
using OncRpc.Tests.Binding;
using OncRpc.Tests.Support;
using OncRpc.Tool.Commands;

namespace OncRpc.Etcd.Tests;

/// <summary><c>oncrpc binder list|watch --etcd URL</c> against a real etcd with our servers exported.</summary>
public sealed class BinderCommandTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task List_shows_every_instance_with_its_health_as_a_table_and_as_json()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using EtcdCluster etcd = await EtcdCluster.StartAsync(1, ct);
        await using var servers = new BinderCluster(2) { Exporters = () => [new EtcdExporter(etcd.ConnectionString)] };
        await servers.StartAsync(ct);
        // A listed instance whose server is gone: shown down.
        var ghost = new Binding.RpcInstance("ghost", BinderCluster.Program, BinderCluster.Version,
            [new Binding.RpcInstanceEndpoint(RpcTransportKind.Tcp, BinderCluster.ClosedPort())], Binding.RpcInstanceMetadata.Default);
        var export = await new EtcdExporter(etcd.ConnectionString).ExportAsync([ghost], Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, ct);

        var table = new StringWriter();
        Assert.Equal(0, await BinderCommand.ListAsync(etcd.ConnectionString, json: false, table, TextWriter.Null, ct));
        string[] lines = table.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("PROGRAM", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Contains(lines, l => l.Contains("server-0") && l.Contains($"tcp:{servers.EndPoint(0)}") && l.TrimEnd().EndsWith("up"));
        Assert.Contains(lines, l => l.Contains("ghost") && l.TrimEnd().EndsWith("down"));

        var json = new StringWriter();
        Assert.Equal(0, await BinderCommand.ListAsync(etcd.ConnectionString, json: true, json, TextWriter.Null, ct));
        using JsonDocument document = JsonDocument.Parse(json.ToString());
        Assert.Equal(["ghost", "server-0", "server-1"], document.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal([false, true, true], document.RootElement.EnumerateArray().Select(e => e.GetProperty("healthy").GetBoolean()));
        Assert.Equal(BinderCluster.Program, document.RootElement[1].GetProperty("program").GetUInt32());
        await export.WithdrawAsync(ct);
    }

    [Fact]
    public async Task Watch_prints_the_set_again_when_a_server_stops()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using EtcdCluster etcd = await EtcdCluster.StartAsync(1, ct);
        await using var servers = new BinderCluster(2) { Exporters = () => [new EtcdExporter(etcd.ConnectionString)] };
        await servers.StartAsync(ct);
        var output = new LockedWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task<int> watching = BinderCommand.WatchAsync(etcd.ConnectionString, json: true, output, TextWriter.Null, stop.Token);
        await WaitUntilAsync(() => output.Lines().Count >= 1, "the first listing");
        Assert.Equal(2, JsonDocument.Parse(output.Lines()[0]).RootElement.GetArrayLength());

        await servers.KillAsync(1); // withdraws: the lease is revoked
        await WaitUntilAsync(() => output.Lines().Count >= 2, "a listing after the change");
        Assert.Equal("server-0", JsonDocument.Parse(output.Lines()[^1]).RootElement[0].GetProperty("id").GetString());
        Assert.Equal(1, JsonDocument.Parse(output.Lines()[^1]).RootElement.GetArrayLength());
        stop.Cancel();
        Assert.Equal(0, await watching.WaitAsync(s_bound, ct));
    }

    private sealed class LockedWriter : StringWriter
    {
        private readonly Lock _gate = new();

        public override void WriteLine(string? value)
        {
            lock (_gate)
            {
                base.WriteLine(value);
            }
        }

        public List<string> Lines()
        {
            lock (_gate)
            {
                return [.. ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)];
            }
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => Eventually.ReachedAsync(condition, what);
}
