using System.Globalization;
using System.Net;
using OncRpc.Interop.Tests.DotNet;
using OncRpc.Server;

namespace OncRpc.Interop.Tests.Tool;

/// <summary><c>oncrpc call</c> against our own server of interop.x (the one the C clients are
/// tested against) over TCP, UDP and a Unix socket.</summary>
public sealed class CallOurServerTests : IAsyncLifetime
{
    private readonly string _socketDirectory = Directory.CreateTempSubdirectory("oncrpc-call-").FullName;
    private RpcServer? _server;

    private string SocketPath => Path.Combine(_socketDirectory, "interop.sock");

    public async ValueTask InitializeAsync()
    {
        _server = CClientToDotNetServerTests.CreateInteropServer();
        _server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUnix(SocketPath);
        await _server.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        Directory.Delete(_socketDirectory, recursive: true);
    }

    private string Target(string transport) => transport == "unix"
        ? SocketPath
        : "127.0.0.1:" + ((IPEndPoint)_server!.EndPoints.First(e => e.Transport == (transport == "tcp" ? RpcTransportKind.Tcp : RpcTransportKind.Udp))
            .EndPoint).Port.ToString(CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    [InlineData("unix")]
    public async Task EveryConstructRoundTrips(string transport)
    {
        foreach (Xunit.TheoryDataRow<string, string> row in InteropValues.Echoes)
        {
            (string procedure, string json) = row.Data;
            await ToolCall.AssertEchoesAsync(ToolCall.InteropX, Target(transport), procedure, json, transport);
        }
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    [InlineData("unix")]
    public async Task ServerErrorsAreReportedInWords(string transport)
    {
        CallOutcome garbage = await ToolCall.RunAsync([ToolCall.InteropX, Target(transport), "FAIL", "2"], transport);
        Assert.Equal(1, garbage.ExitCode);
        Assert.StartsWith("oncrpc call: INTEROP_PROG (0x31234568) version 1 FAIL: garbage arguments (GARBAGE_ARGS", garbage.Error);
        CallOutcome system = await ToolCall.RunAsync([ToolCall.InteropX, Target(transport), "FAIL", "1"], transport);
        Assert.StartsWith("oncrpc call: INTEROP_PROG (0x31234568) version 1 FAIL: system error (SYSTEM_ERR", system.Error);
    }

    [Fact]
    public async Task AuthSysDefaultsToThisProcessIdentity()
    {
        CallOutcome outcome = await ToolCall.RunAsync([ToolCall.InteropX, Target("unix"), "WHOAMI"], "unix", auth: "sys");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal(1, (int)outcome.Json!["flavor"]!);
        Assert.Equal(Dns.GetHostName(), (string)outcome.Json!["machine"]!);
    }
}
