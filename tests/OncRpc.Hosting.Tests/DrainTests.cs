using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OncRpc.Client;
using OncRpc.Hosting.Tests.Generated;

namespace OncRpc.Hosting.Tests;

/// <summary>The host's stop drains the server: calls in flight get their replies, within the
/// host's shutdown timeout.</summary>
public sealed class DrainTests
{
    [Fact]
    public async Task CallInFlightIsAnsweredWhileTheHostStops()
    {
        var gate = new Gate();
        using IHost host = await StartAsync(gate, TimeSpan.FromSeconds(30));
        await using RpcClient rpc = await TestHost.ConnectAsync(host);
        Task<int> call = new LogV1Client(rpc).RlogAsync("wait", TestContext.Current.CancellationToken);
        await gate.Entered.Task.WaitAsync(TestContext.Current.CancellationToken);

        Task stopping = host.StopAsync(TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => !host.Services.GetRequiredService<RpcServerHost>().IsRunning);
        Assert.False(stopping.IsCompleted); // the drain waits for the handler
        gate.Release.SetResult();

        Assert.Equal(7, await call);
        await stopping;
        Assert.False(gate.Cancelled.Task.IsCompleted);
    }

    [Fact]
    public async Task ShutdownTimeoutBoundsTheDrain()
    {
        var gate = new Gate();
        using IHost host = await StartAsync(gate, TimeSpan.FromMilliseconds(200));
        await using RpcClient rpc = await TestHost.ConnectAsync(host);
        Task<int> call = new LogV1Client(rpc).RlogAsync("wait", TestContext.Current.CancellationToken);
        await gate.Entered.Task.WaitAsync(TestContext.Current.CancellationToken);

        // The handler never finishes by itself: the stop turns hard at the timeout and its token fires.
        await host.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        await gate.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        await Assert.ThrowsAnyAsync<Exception>(() => call);
    }

    private static async Task<IHost> StartAsync(Gate gate, TimeSpan shutdownTimeout)
    {
        HostApplicationBuilder builder = TestHost.Builder();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = shutdownTimeout);
        builder.Services.AddSingleton(gate);
        builder.Services.AddOncRpcServer().AddService<ScriptedLogService>();
        IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        // StopAsync clears IsRunning before its first await; this only yields until it ran.
        for (int i = 0; i < 10_000 && !condition(); i++)
        {
            await Task.Yield();
        }
        Assert.True(condition());
    }
}
