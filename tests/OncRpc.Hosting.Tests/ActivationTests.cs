using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OncRpc.Client;
using OncRpc.Hosting.Tests.Generated;

namespace OncRpc.Hosting.Tests;

/// <summary>Services are activated from dependency injection with the lifetime asked for.</summary>
public sealed class ActivationTests
{
    [Fact]
    public async Task SingletonServiceServesEveryCallWithOneInstance()
    {
        (int first, int second, Tally tally) = await TwoCallsAsync(RpcServiceLifetime.Singleton);

        Assert.Equal(1, first);
        Assert.Equal(1, second);
        Assert.Equal(1, tally.Created);
    }

    [Fact]
    public async Task PerCallServiceGetsAFreshScopeDisposedAfterEachCall()
    {
        (int first, int second, Tally tally) = await TwoCallsAsync(RpcServiceLifetime.PerCall);

        // Instance 1 is the probe made at start to learn the procedures; then one per call.
        Assert.Equal(2, first);
        Assert.Equal(3, second);
        Assert.Equal(3, tally.Created);
        Assert.Equal(3, tally.Disposed);
    }

    [Fact]
    public async Task MissingDependencyFailsTheStart()
    {
        HostApplicationBuilder builder = TestHost.Builder();
        builder.Services.AddOncRpcServer().AddService<InstanceLogService>(RpcServiceLifetime.PerCall);
        using IHost host = builder.Build();

        await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
    }

    private static async Task<(int First, int Second, Tally Tally)> TwoCallsAsync(RpcServiceLifetime lifetime)
    {
        var tally = new Tally();
        HostApplicationBuilder builder = TestHost.Builder();
        builder.Services.AddSingleton(tally);
        builder.Services.AddScoped<CallScoped>();
        builder.Services.AddOncRpcServer().AddService<InstanceLogService>(lifetime);
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        int first, second;
        await using (RpcClient rpc = await TestHost.ConnectAsync(host))
        {
            var client = new LogV1Client(rpc);
            first = await client.RlogAsync("a", TestContext.Current.CancellationToken);
            second = await client.RlogAsync("b", TestContext.Current.CancellationToken);
        }
        await host.StopAsync(TestContext.Current.CancellationToken);
        return (first, second, tally);
    }
}
