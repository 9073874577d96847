using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OncRpc.Client;
using OncRpc.Hosting.Tests.Generated;

namespace OncRpc.Hosting.Tests;

/// <summary>The hosted server always has a logger: a handler that throws is logged as an error
/// naming the program, version and procedure as log.x does, with the call's xid.</summary>
public sealed class HandlerLogTests
{
    [Fact]
    public async Task HandlerExceptionIsLoggedWithTheXNamesAndTheXid()
    {
        var logs = new ListLoggerProvider();
        HostApplicationBuilder builder = TestHost.Builder(logs: logs);
        builder.Services.AddSingleton(new Gate());
        builder.Services.AddOncRpcServer().AddService<ScriptedLogService>();
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        await using RpcClient rpc = await TestHost.ConnectAsync(host);

        RpcException error = await Assert.ThrowsAsync<RpcException>(
            () => new LogV1Client(rpc).RlogAsync("throw", TestContext.Current.CancellationToken));
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(RpcStatus.SystemError, error.Status);
        ListLoggerProvider.LogEntry entry = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal("OncRpc.Server", entry.Category);
        Assert.Equal(1009, entry.EventId.Id);
        Assert.Equal("the disk is full", Assert.IsType<InvalidOperationException>(entry.Exception).Message);
        uint xid = Assert.IsType<uint>(entry.State.Single(p => p.Key == "Xid").Value);
        Assert.Equal($"RLOG (1) of LOG_PROG (0x31234567) version LOG_VER (1) threw on the call with xid {xid}; replying SYSTEM_ERR",
            entry.Message);
    }
}
