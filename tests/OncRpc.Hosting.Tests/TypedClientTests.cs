using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OncRpc.Auth;
using OncRpc.Hosting.Tests.Generated;
using OncRpc.Server;

namespace OncRpc.Hosting.Tests;

/// <summary>Typed clients get their address, transport, credentials and timeouts from
/// <c>OncRpc:Clients:{name}</c> and call a hosted server for real.</summary>
public sealed class TypedClientTests
{
    [Fact]
    public async Task TypedClientCallsTheHostedServer()
    {
        using IHost server = await StartServerAsync();
        string port = TestHost.TcpEndPoint(server).Port.ToString(CultureInfo.InvariantCulture);
        HostApplicationBuilder builder = TestHost.Builder(new Dictionary<string, string?>
        {
            ["OncRpc:Clients:LogV1Client:Host"] = "127.0.0.1",
            ["OncRpc:Clients:LogV1Client:Port"] = port,
            ["OncRpc:Clients:LogV1Client:Timeout"] = "00:00:10",
            ["OncRpc:Clients:LogV1Client:Credentials"] = "sys",
            ["OncRpc:Clients:LogV1Client:MachineName"] = "hosted-test",
            ["OncRpc:Clients:LogV1Client:Uid"] = "1234",
        });
        builder.Services.AddOncRpcClient(rpc => new LogV1Client(rpc));
        using IHost client = builder.Build();

        var log = client.Services.GetRequiredService<LogV1Client>();
        int answer = await log.RlogAsync("hello", TestContext.Current.CancellationToken);

        Assert.Equal(1234, answer); // the service answers the AUTH_SYS uid it saw
        Assert.Same(log, client.Services.GetRequiredService<LogV1Client>());
        await server.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task TypedClientCallsAHostedServerOverSharedMemory()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
            == System.Runtime.InteropServices.Architecture.X64, "shared memory needs Linux x86_64");
        string path = Path.Combine(Path.GetTempPath(), $"oncrpc-hosted-{Guid.NewGuid():N}.shm");
        HostApplicationBuilder serverBuilder = TestHost.Builder(new Dictionary<string, string?>
        {
            ["OncRpc:Server:Listeners:0:Transport"] = "shm",
            ["OncRpc:Server:Listeners:0:Path"] = path,
        });
        serverBuilder.Services.AddOncRpcServer().AddService<UidLogService>();
        using IHost server = serverBuilder.Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        HostApplicationBuilder builder = TestHost.Builder(new Dictionary<string, string?>
        {
            ["OncRpc:Clients:LogV1Client:Transport"] = "shm",
            ["OncRpc:Clients:LogV1Client:Path"] = path,
            ["OncRpc:Clients:LogV1Client:Credentials"] = "sys",
            ["OncRpc:Clients:LogV1Client:Uid"] = "4321",
        });
        builder.Services.AddOncRpcClient(rpc => new LogV1Client(rpc));
        using IHost client = builder.Build();

        var log = client.Services.GetRequiredService<LogV1Client>();
        Assert.Equal(4321, await log.RlogAsync("hello", TestContext.Current.CancellationToken));
        Assert.Equal(4321, log.Rlog("hello again", TestContext.Current.CancellationToken));
        await server.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ConfiguredTimeoutBoundsTheCall()
    {
        var gate = new Gate();
        HostApplicationBuilder serverBuilder = TestHost.Builder();
        serverBuilder.Services.AddSingleton(gate);
        serverBuilder.Services.AddOncRpcServer().AddService<ScriptedLogService>();
        using IHost server = serverBuilder.Build();
        await server.StartAsync(TestContext.Current.CancellationToken);
        HostApplicationBuilder builder = TestHost.Builder(new Dictionary<string, string?>
        {
            ["OncRpc:Clients:LogV1Client:Port"] = TestHost.TcpEndPoint(server).Port.ToString(CultureInfo.InvariantCulture),
            ["OncRpc:Clients:LogV1Client:Timeout"] = "00:00:00.300",
        });
        builder.Services.AddOncRpcClient(rpc => new LogV1Client(rpc));
        using IHost client = builder.Build();

        // The handler waits until released: only the configured timeout ends the call.
        RpcException error = await Assert.ThrowsAsync<RpcException>(() => client.Services.GetRequiredService<LogV1Client>()
            .RlogAsync("wait", TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));

        Assert.Equal(RpcStatus.TimedOut, error.Status);
        gate.Release.SetResult();
        await server.StopAsync(TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData("Port", "0", "OncRpc:Clients:LogV1Client:Port is 0: a server's port is 1-65535")]
    [InlineData("Transport", "http", "OncRpc:Clients:LogV1Client:Transport is 'http'")]
    [InlineData("Credentials", "kerberos", "OncRpc:Clients:LogV1Client:Credentials is 'kerberos': it is none or sys")]
    public void BadClientConfigurationNamesTheKey(string key, string value, string expected)
    {
        HostApplicationBuilder builder = TestHost.Builder(new Dictionary<string, string?>
        {
            ["OncRpc:Clients:LogV1Client:Port"] = "4000",
            [$"OncRpc:Clients:LogV1Client:{key}"] = value,
        });
        builder.Services.AddOncRpcClient(rpc => new LogV1Client(rpc));
        using IHost client = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => client.Services.GetRequiredService<LogV1Client>());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static async Task<IHost> StartServerAsync()
    {
        HostApplicationBuilder builder = TestHost.Builder();
        builder.Services.AddOncRpcServer().AddService<UidLogService>();
        IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }

    private sealed class UidLogService : LogV1ServiceBase
    {
        public override ValueTask<int> RlogAsync(string arg, RpcCallContext context) =>
            ValueTask.FromResult(context.UnixCredential is { } sys ? (int)sys.Uid : -1);
    }
}
