using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OncRpc.Client;
using OncRpc.Server;

namespace OncRpc.Hosting.Tests;

/// <summary>Builds generic hosts for the tests: in-memory configuration, logs captured in a
/// <see cref="ListLoggerProvider"/>, and a TCP listener on a free loopback port unless the
/// settings say otherwise.</summary>
internal static class TestHost
{
    public static readonly Dictionary<string, string?> LoopbackTcp = new()
    {
        ["OncRpc:Server:Listeners:0:Transport"] = "tcp",
        ["OncRpc:Server:Listeners:0:Address"] = "127.0.0.1",
        ["OncRpc:Server:Listeners:0:Port"] = "0",
        ["OncRpc:Server:EventLoopThreads"] = "1",
    };

    public static HostApplicationBuilder Builder(IDictionary<string, string?>? settings = null, ListLoggerProvider? logs = null)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings ?? LoopbackTcp);
        builder.Logging.AddProvider(logs ?? new ListLoggerProvider());
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        return builder;
    }

    public static IPEndPoint TcpEndPoint(IHost host)
    {
        RpcServer server = host.Services.GetRequiredService<RpcServerHost>().Server
            ?? throw new InvalidOperationException("the host has not started");
        return (IPEndPoint)server.EndPoints.Single(e => e.Transport == RpcTransportKind.Tcp).EndPoint;
    }

    public static async Task<RpcClient> ConnectAsync(IHost host) =>
        await RpcClient.ConnectTcpAsync(TcpEndPoint(host), new RpcClientOptions { Timeout = TimeSpan.FromSeconds(10) },
            TestContext.Current.CancellationToken);
}
