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
        await using InFlightCall inFlight = await InFlightCall.StartAsync(TimeSpan.FromSeconds(30));

        Task stopping = inFlight.Host.StopAsync(TestContext.Current.CancellationToken);
        await WaitUntilAsync(() => !inFlight.Host.Services.GetRequiredService<RpcServerHost>().IsRunning);
        Assert.False(stopping.IsCompleted); // the drain waits for the handler
        inFlight.Gate.Release.SetResult();

        Assert.Equal(7, await inFlight.Call);
        await stopping;
        Assert.False(inFlight.Gate.Cancelled.Task.IsCompleted);
    }

    [Fact]
    public async Task ShutdownTimeoutBoundsTheDrain()
    {
        await using InFlightCall inFlight = await InFlightCall.StartAsync(TimeSpan.FromMilliseconds(200));

        // The handler never finishes by itself: the stop turns hard at the timeout and its token fires.
        await inFlight.Host.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);

        await inFlight.Gate.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        await Assert.ThrowsAnyAsync<Exception>(() => inFlight.Call);
    }

    /// <summary>A hosted server with the given shutdown timeout and one call held inside its handler.</summary>
    private sealed class InFlightCall(IHost host, Gate gate, RpcClient rpc, Task<int> call) : IAsyncDisposable
    {
        public IHost Host { get; } = host;

        public Gate Gate { get; } = gate;

        public Task<int> Call { get; } = call;

        public static async Task<InFlightCall> StartAsync(TimeSpan shutdownTimeout)
        {
            var gate = new Gate();
            HostApplicationBuilder builder = TestHost.Builder();
            builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = shutdownTimeout);
            builder.Services.AddSingleton(gate);
            builder.Services.AddOncRpcServer().AddService<ScriptedLogService>();
            IHost host = builder.Build();
            await host.StartAsync(TestContext.Current.CancellationToken);
            RpcClient rpc = await TestHost.ConnectAsync(host);
            Task<int> call = new LogV1Client(rpc).RlogAsync("wait", TestContext.Current.CancellationToken);
            await gate.Entered.Task.WaitAsync(TestContext.Current.CancellationToken);
            return new InFlightCall(host, gate, rpc, call);
        }

        public async ValueTask DisposeAsync()
        {
            await rpc.DisposeAsync();
            Host.Dispose();
        }
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
