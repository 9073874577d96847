using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace OncRpc.Hosting.Tests;

/// <summary>The health check follows the hosted server: unhealthy before start and after stop,
/// healthy with its end points while it serves.</summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task ReportsTheServersState()
    {
        HostApplicationBuilder builder = TestHost.Builder();
        builder.Services.AddOncRpcServer();
        builder.Services.AddHealthChecks().AddOncRpcServer();
        using IHost host = builder.Build();
        HealthCheckService health = host.Services.GetRequiredService<HealthCheckService>();

        HealthReport before = await health.CheckHealthAsync(TestContext.Current.CancellationToken);
        await host.StartAsync(TestContext.Current.CancellationToken);
        HealthReport serving = await health.CheckHealthAsync(TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);
        HealthReport after = await health.CheckHealthAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, before.Entries["oncrpc-server"].Status);
        Assert.Equal(HealthStatus.Healthy, serving.Entries["oncrpc-server"].Status);
        Assert.Contains($"Tcp {TestHost.TcpEndPoint(host)}", serving.Entries["oncrpc-server"].Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, after.Entries["oncrpc-server"].Status);
    }
}
