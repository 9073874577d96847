using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OncRpc.Rpcbind;
using OncRpc.Server;

namespace OncRpc.Hosting.Tests;

/// <summary>With <c>RegisterWithRpcbind</c> the hosted server registers its programs at start
/// and removes them at stop; here rpcbind is the library's own, on a loopback port.</summary>
public sealed class RpcbindRegistrationTests
{
    [Fact]
    public async Task RegistersAtStartAndUnregistersAtStop()
    {
        var rpcbind = new RpcbindServer();
        await using var rpcbindHost = new RpcServer(new RpcServerOptions { EventLoopThreads = 0 });
        rpcbindHost.Dispatcher.Add(rpcbind);
        rpcbindHost.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        await rpcbindHost.StartAsync(TestContext.Current.CancellationToken);
        int rpcbindPort = ((IPEndPoint)rpcbindHost.EndPoints[0].EndPoint).Port;

        var settings = new Dictionary<string, string?>(TestHost.LoopbackTcp)
        {
            ["OncRpc:Server:RegisterWithRpcbind"] = "true",
            ["OncRpc:Server:RpcbindAddress"] = $"127.0.0.1:{rpcbindPort.ToString(CultureInfo.InvariantCulture)}",
        };
        HostApplicationBuilder builder = TestHost.Builder(settings);
        builder.Services.AddSingleton(new Gate());
        builder.Services.AddOncRpcServer().AddService<ScriptedLogService>();
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        IReadOnlyList<RpcbindMapping> registered = rpcbind.Registrations;
        int port = TestHost.TcpEndPoint(host).Port;
        await host.StopAsync(TestContext.Current.CancellationToken);

        RpcbindMapping mapping = Assert.Single(registered, m => m.Program == 0x31234567 && m.Netid == "tcp");
        Assert.Equal(1u, mapping.Version);
        Assert.EndsWith($".{(port >> 8).ToString(CultureInfo.InvariantCulture)}.{(port & 0xff).ToString(CultureInfo.InvariantCulture)}", mapping.Address, StringComparison.Ordinal);
        Assert.DoesNotContain(rpcbind.Registrations, m => m.Program == 0x31234567);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("rpcbind.example:111")]
    public async Task BadRpcbindAddressIsAClearStartupError(string address)
    {
        var settings = new Dictionary<string, string?>(TestHost.LoopbackTcp)
        {
            ["OncRpc:Server:RegisterWithRpcbind"] = "true",
            ["OncRpc:Server:RpcbindAddress"] = address,
        };
        HostApplicationBuilder builder = TestHost.Builder(settings);
        builder.Services.AddOncRpcServer();
        using IHost host = builder.Build();

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"OncRpc:Server:RpcbindAddress is '{address}'", error.Message, StringComparison.Ordinal);
    }
}
