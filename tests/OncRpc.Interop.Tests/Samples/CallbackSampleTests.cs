using System.Globalization;
using System.Net;
using OncRpc.Interop.Tests.Infrastructure;

namespace OncRpc.Interop.Tests.Samples;

/// <summary>samples/Callback end to end, as processes: its server, and its client taking the
/// events through a transient server of its own (classic) and over its own connection
/// (--backchannel).</summary>
public sealed class CallbackSampleTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_client_takes_every_event_from_the_server(bool backchannel)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        (string dotnet, string dll) = Sample.Require("Callback");
        await using PeerProcess server = await PeerProcess.StartAsync(dotnet, [dll, "server", "--port", "0"], TimeSpan.FromSeconds(30), ct,
            line => line.Split(' ') is ["listening", "on", "Tcp", var endPoint] && IPEndPoint.TryParse(endPoint, out IPEndPoint? bound)
                ? (bound.Port, 0)
                : null);
        var arguments = new List<string>
        {
            dll, "client", "--port", server.TcpPort.ToString(CultureInfo.InvariantCulture), "--count", "5", "--topic", "tides",
        };
        if (backchannel)
        {
            arguments.Add("--backchannel");
        }

        ProcessResult client = await ProcessRunner.RunAsync(dotnet, arguments, TimeSpan.FromSeconds(60), cancellationToken: ct);

        Assert.True(client.ExitCode == 0, client.Describe());
        string via = backchannel ? "backchannel" : "transient server";
        for (int i = 1; i <= 5; i++)
        {
            Assert.Contains($"event {i}: tides update {i} of 5 (via {via})", client.StandardOutput, StringComparison.Ordinal);
        }
        Assert.Contains("WATCH answered: 5 of 5 events delivered, 5 received", client.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(backchannel ? "serving NOTIFY_CB on this connection" : "transient server for NOTIFY_CB at 127.0.0.1.",
            client.StandardOutput, StringComparison.Ordinal);
    }
}
