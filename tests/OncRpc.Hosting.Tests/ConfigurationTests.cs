using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OncRpc.Server;

namespace OncRpc.Hosting.Tests;

/// <summary>Listeners and limits come from <c>OncRpc:Server</c>; bad values stop the start with a
/// message naming the key.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public async Task ListenersAndLimitsAreBoundFromConfiguration()
    {
        var settings = new Dictionary<string, string?>
        {
            ["OncRpc:Server:Listeners:0:Transport"] = "tcp",
            ["OncRpc:Server:Listeners:0:Address"] = "127.0.0.1",
            ["OncRpc:Server:Listeners:1:Transport"] = "UDP",
            ["OncRpc:Server:Listeners:1:Address"] = "127.0.0.1",
            ["OncRpc:Server:MaxConnections"] = "12",
            ["OncRpc:Server:IdleTimeout"] = "00:00:42",
            ["OncRpc:Server:EventLoopThreads"] = "0",
        };
        RpcServerOptions? seen = null;
        HostApplicationBuilder builder = TestHost.Builder(settings);
        builder.Services.AddOncRpcServer().ConfigureServer(options => seen = options);
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        RpcServer server = host.Services.GetRequiredService<RpcServerHost>().Server!;
        Assert.Equal([RpcTransportKind.Tcp, RpcTransportKind.Udp], server.EndPoints.Select(e => e.Transport));
        Assert.All(server.EndPoints, e => Assert.Equal(IPAddress.Loopback, ((IPEndPoint)e.EndPoint).Address));
        Assert.NotNull(seen);
        Assert.Equal(12, seen.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(42), seen.IdleTimeout);
        Assert.Equal(0, seen.EventLoopThreads);
        Assert.Equal(new RpcServerOptions().MaxConcurrentCallsPerConnection, seen.MaxConcurrentCallsPerConnection);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("Port", "70000", "OncRpc:Server:Listeners:0:Port is 70000: a port is 0-65535")]
    [InlineData("Port", "-1", "OncRpc:Server:Listeners:0:Port is -1")]
    [InlineData("Transport", "sctp", "OncRpc:Server:Listeners:0:Transport is 'sctp': it is tcp, udp, unix or shm")]
    [InlineData("Address", "localhost.example", "OncRpc:Server:Listeners:0:Address is 'localhost.example'")]
    public async Task BadListenerIsAClearStartupError(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>(TestHost.LoopbackTcp) { [$"OncRpc:Server:Listeners:0:{key}"] = value };

        OptionsValidationException error = await StartFailsAsync(settings);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoListenerIsAClearStartupError()
    {
        OptionsValidationException error = await StartFailsAsync(new Dictionary<string, string?>());

        Assert.Contains("OncRpc:Server:Listeners is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadLimitIsAClearStartupError()
    {
        var settings = new Dictionary<string, string?>(TestHost.LoopbackTcp) { ["OncRpc:Server:MaxConnections"] = "0" };

        OptionsValidationException error = await StartFailsAsync(settings);

        Assert.Contains("OncRpc:Server:MaxConnections is 0: it is positive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnixListenerWithoutPathIsAClearStartupError()
    {
        var settings = new Dictionary<string, string?> { ["OncRpc:Server:Listeners:0:Transport"] = "unix" };

        OptionsValidationException error = await StartFailsAsync(settings);

        Assert.Contains("OncRpc:Server:Listeners:0:Path is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeConfigurationAppliesAfterTheSection()
    {
        HostApplicationBuilder builder = TestHost.Builder(new Dictionary<string, string?>());
        builder.Services.AddOncRpcServer(options => options.Listeners.Add(new RpcListenerOptions { Address = "127.0.0.1" }));
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        Assert.Single(host.Services.GetRequiredService<RpcServerHost>().Server!.EndPoints);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<OptionsValidationException> StartFailsAsync(Dictionary<string, string?> settings)
    {
        HostApplicationBuilder builder = TestHost.Builder(settings);
        builder.Services.AddOncRpcServer();
        using IHost host = builder.Build();
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));
    }
}
