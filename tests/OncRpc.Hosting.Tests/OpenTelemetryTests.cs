using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OncRpc.Diagnostics;
using OncRpc.Hosting.Tests.Generated;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace OncRpc.Hosting.Tests;

/// <summary>The real OpenTelemetry SDK, subscribed by the public diagnostics names, exports the
/// documented spans, metrics and attributes of both sides (docs/observability.md).</summary>
[Collection(nameof(GlobalListenersCollection))]
public sealed class OpenTelemetryTests
{
    [Fact]
    public async Task ExporterSeesTheDocumentedNamesOnBothSides()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using TracerProvider tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(RpcServerDiagnostics.ActivitySourceName, RpcClientDiagnostics.ActivitySourceName)
            .AddInMemoryExporter(spans)
            .Build();
        using MeterProvider metering = Sdk.CreateMeterProviderBuilder()
            .AddMeter(RpcServerDiagnostics.MeterName, RpcClientDiagnostics.MeterName)
            .AddInMemoryExporter(metrics)
            .Build();

        await CallOkAndFailingAsync();
        tracing.ForceFlush();
        metering.ForceFlush();

        Activity server = Assert.Single(Ours(spans), s => s.Kind == ActivityKind.Server && s.Status == ActivityStatusCode.Unset);
        Activity client = Assert.Single(Ours(spans), s => s.Kind == ActivityKind.Client && s.Status == ActivityStatusCode.Unset);
        foreach (Activity span in new[] { server, client })
        {
            Assert.Equal("LOG_PROG/RLOG", span.DisplayName);
            Assert.Equal("onc_rpc", span.GetTagItem("rpc.system"));
            Assert.Equal("LOG_PROG", span.GetTagItem("rpc.service"));
            Assert.Equal("RLOG", span.GetTagItem("rpc.method"));
            Assert.Equal("LOG_PROG", span.GetTagItem("onc_rpc.program.name"));
            Assert.Equal(0x31234567u, span.GetTagItem("onc_rpc.program.number"));
            Assert.Equal(1u, span.GetTagItem("onc_rpc.version"));
            Assert.Equal("RLOG", span.GetTagItem("onc_rpc.procedure.name"));
            Assert.Equal(1u, span.GetTagItem("onc_rpc.procedure.number"));
            Assert.Equal("tcp", span.GetTagItem("network.transport"));
        }
        Assert.Equal(RpcServerDiagnostics.ActivitySourceName, server.Source.Name);
        Assert.Equal(RpcClientDiagnostics.ActivitySourceName, client.Source.Name);
        Assert.Contains(Ours(spans), s => s.Kind == ActivityKind.Server && s.Status == ActivityStatusCode.Error);
        Activity failed = Assert.Single(Ours(spans), s => s.Kind == ActivityKind.Client && s.Status == ActivityStatusCode.Error);
        Assert.Equal("SYSTEM_ERR", failed.GetTagItem("error.type"));

        Dictionary<string, object?> serverCall = Assert.Single(Points(metrics, "rpc.server.call.duration"), t => Equals(t["onc_rpc.status"], "SUCCESS"));
        Assert.Equal("onc_rpc", serverCall["rpc.system"]);
        Assert.Equal(1u, serverCall["onc_rpc.version"]);
        Assert.Equal(1u, serverCall["onc_rpc.procedure.number"]);
        Assert.Contains(Points(metrics, "onc_rpc.server.calls"), t => Equals(t["onc_rpc.status"], "SUCCESS"));
        Dictionary<string, object?> error = Assert.Single(Points(metrics, "onc_rpc.server.errors"));
        Assert.Equal("SYSTEM_ERR", error["error.type"]);
        Dictionary<string, object?> clientCall = Assert.Single(Points(metrics, "rpc.client.call.duration"), t => !t.ContainsKey("error.type"));
        Assert.Equal("onc_rpc", clientCall["rpc.system"]);
        Assert.Equal(0x31234567u, clientCall["onc_rpc.program.number"]);
        Assert.Equal(1u, clientCall["onc_rpc.version"]);
        Assert.Contains(Points(metrics, "rpc.client.call.duration"), t => Equals(t.GetValueOrDefault("error.type"), "SYSTEM_ERR"));
        Assert.Equal("s", metrics.First(m => m.Name == "rpc.server.call.duration").Unit);
    }

    [Fact]
    public async Task PhaseMetersExportEveryPhaseOfBothSides()
    {
        var metrics = new List<Metric>();
        using MeterProvider metering = Sdk.CreateMeterProviderBuilder()
            .AddMeter(RpcServerDiagnostics.PhasesMeterName, RpcClientDiagnostics.PhasesMeterName)
            .AddInMemoryExporter(metrics)
            .Build();

        await CallOkAndFailingAsync();
        metering.ForceFlush();

        // Both calls got a reply (SUCCESS, then SYSTEM_ERR from the handler): each phase is one
        // point with the procedure's tags and a count of two.
        Assert.Equal(["auth", "cache", "decode", "encode", "handler", "header", "queue", "read", "send"],
            Points(metrics, "onc_rpc.server.call.phase.duration").Select(t => (string)t["onc_rpc.phase"]!).Order());
        Assert.Equal(["decode", "encode", "resume", "send", "wait_for_reply", "wait_to_send"],
            Points(metrics, "onc_rpc.client.call.phase.duration").Select(t => (string)t["onc_rpc.phase"]!).Order());
        Assert.All(Points(metrics, "onc_rpc.server.call.phase.duration"), t => Assert.Equal(0x31234567u, t["onc_rpc.program.number"]));
        Assert.Equal("s", metrics.First(m => m.Name == "onc_rpc.server.call.phase.duration").Unit);
        // Only the phase meters were asked for: the usual instruments stay off.
        Assert.DoesNotContain(metrics, m => m.Name == "rpc.server.call.duration");
    }

    private static async Task CallOkAndFailingAsync()
    {
        HostApplicationBuilder builder = TestHost.Builder();
        builder.Services.AddSingleton(new Gate());
        builder.Services.AddOncRpcServer().AddService<ScriptedLogService>();
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        await using (OncRpc.Client.RpcClient rpc = await TestHost.ConnectAsync(host))
        {
            var client = new LogV1Client(rpc);
            Assert.Equal(5, await client.RlogAsync("hello", TestContext.Current.CancellationToken));
            await Assert.ThrowsAsync<RpcException>(() => client.RlogAsync("throw", TestContext.Current.CancellationToken));
        }
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static IEnumerable<Activity> Ours(List<Activity> spans) =>
        spans.Where(s => Equals(s.GetTagItem("onc_rpc.procedure.name"), "RLOG"));

    private static List<Dictionary<string, object?>> Points(List<Metric> metrics, string name)
    {
        var points = new List<Dictionary<string, object?>>();
        foreach (Metric metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly MetricPoint point in metric.GetMetricPoints())
            {
                var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (KeyValuePair<string, object?> tag in point.Tags)
                {
                    tags[tag.Key] = tag.Value;
                }
                if (Equals(tags.GetValueOrDefault("onc_rpc.procedure.name"), "RLOG"))
                {
                    points.Add(tags);
                }
            }
        }
        return points;
    }
}

/// <summary>The SDK's listeners are process-wide: tests that use them run alone, so they see only
/// their own calls.</summary>
[CollectionDefinition(nameof(GlobalListenersCollection), DisableParallelization = true)]
public sealed class GlobalListenersCollection;
