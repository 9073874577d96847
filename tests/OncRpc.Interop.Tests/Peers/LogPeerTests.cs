using System.Globalization;
using OncRpc.Interop.Tests.Infrastructure;

namespace OncRpc.Interop.Tests.Peers;

/// <summary>C log_clnt -> C log_svc: proves the log.x peers before the .NET side is measured
/// against them.</summary>
public sealed class LogPeerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task CClientLogsThroughCServer(string transport)
    {
        var peers = CPeers.Get();
        var logFile = Path.Combine(peers.Directory, $"log-{Guid.NewGuid():N}.txt");
        await using var server = await peers.StartServerAsync(peers.LogServer, transport, ["--log", logFile], Ct);
        var port = transport == "tcp" ? server.TcpPort : server.UdpPort;

        string[] messages = ["first message", "second: with  spaces", "h\u00e9llo w\u00f6rld", ""];
        var report = await peers.RunClientAsync(peers.LogClient,
            ["--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--transport", transport,
             "--", .. messages], cancellationToken: Ct);

        report.AssertAllOk(messages.Length);
        for (var i = 0; i < messages.Length; i++)
        {
            Assert.Equal("0", report[$"rlog.{i}"]["result"]);
        }
        Assert.Equal(messages, await File.ReadAllLinesAsync(logFile, Ct));
    }

    [Fact]
    public async Task ServerOnBothTransportsAnswersEach()
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.LogServer, "both", cancellationToken: Ct);
        Assert.NotEqual(0, server.TcpPort);
        Assert.NotEqual(0, server.UdpPort);
        foreach (var (transport, port) in new[] { ("tcp", server.TcpPort), ("udp", server.UdpPort) })
        {
            var report = await peers.RunClientAsync(peers.LogClient,
                ["--port", port.ToString(CultureInfo.InvariantCulture), "--transport", transport, "hello"],
                cancellationToken: Ct);
            report.AssertAllOk(1);
        }
    }

    [Fact]
    public async Task ClientReportsARefusedConnection()
    {
        var peers = CPeers.Get();
        // A port that was free a moment ago: nothing listens there.
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }
        var report = await peers.RunClientAsync(peers.LogClient,
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--transport", "tcp", "hello"], cancellationToken: Ct);
        Assert.Equal(3, report.Process.ExitCode);
        Assert.Contains("Connection refused", report.Process.StandardError, StringComparison.Ordinal);
    }
}
