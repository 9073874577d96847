using System.Globalization;
using OncRpc.Interop.Tests.Infrastructure;

namespace OncRpc.Interop.Tests.Tool;

/// <summary><c>oncrpc call</c> against the C log server (log.x, rpcgen + libtirpc): the message
/// reaches the server's log and the answer prints as JSON.</summary>
public sealed class CallLogServerTests
{
    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task RlogReachesTheCLogServer(string transport)
    {
        CPeerBuild peers = CPeers.Get();
        string log = Path.Combine(peers.Directory, $"log-{Guid.NewGuid():N}.txt");
        await using PeerProcess server = await peers.StartServerAsync(peers.LogServer, transport, ["--log", log],
            TestContext.Current.CancellationToken);
        int port = transport == "tcp" ? server.TcpPort : server.UdpPort;

        CallOutcome outcome = await ToolCall.RunAsync(
            [ToolCall.LogX, $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "RLOG", "\"from oncrpc call\""], transport);

        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal("0", outcome.Output.Trim());
        Assert.Equal(["from oncrpc call"], await File.ReadAllLinesAsync(log, TestContext.Current.CancellationToken));
    }
}
