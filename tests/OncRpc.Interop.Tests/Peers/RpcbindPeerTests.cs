using System.Globalization;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Interop.Tests.Programs;

namespace OncRpc.Interop.Tests.Peers;

/// <summary>The C peers against Debian's rpcbind and rpcinfo: in a private network namespace
/// (its own port 111), and through the machine's rpcbind (<see cref="RpcbindFixture"/>).</summary>
public sealed class RpcbindNamespaceTests
{
    [Fact]
    public async Task PeersRegisterAndAreFoundInAPrivateNamespace()
    {
        var peers = CPeers.Get();
        Requirements.SkipUnlessRpcbindAvailable();
        Requirements.SkipUnlessNetworkNamespacesAvailable();
        // The script starts rpcbind -f -w in unshare -n -m, registers log_svc and interop_svc,
        // checks rpcinfo -p / -T tcp|udp, calls through rpcbind and checks the unregistration.
        var script = Path.Combine(CPeers.SourceDirectory, "rpcbind-check.sh");
        var result = await ProcessRunner.RunAsync("sh", [script, peers.Directory], TimeSpan.FromSeconds(90),
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0 && result.StandardOutput.Contains("summary fail=0", StringComparison.Ordinal),
            result.Describe());
    }

    [Fact]
    public async Task NamespaceHelperHasItsOwnLoopbackAndRun()
    {
        var result = await NetworkNamespace.RunAsync(
            "ip -o link show lo | grep -q UP && test ! -e /run/rpcbind.sock && echo isolated",
            timeout: TimeSpan.FromSeconds(20), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0 && result.StandardOutput.Contains("isolated", StringComparison.Ordinal),
            result.Describe());
    }
}

[Collection(RpcbindCollection.Name)]
public sealed class RpcbindMachineTests(RpcbindFixture rpcbind)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LogServerRegistersWithRpcbindAndUnregistersOnExit()
    {
        var peers = CPeers.Get();
        rpcbind.SkipIfUnavailable();

        var logFile = Path.Combine(peers.Directory, $"log-{Guid.NewGuid():N}.txt");
        await using (var server = await peers.StartServerAsync(peers.LogServer, "both", ["--rpcbind", "--log", logFile], Ct))
        {
            foreach (var transport in new[] { "tcp", "udp" })
            {
                var ping = await rpcbind.RpcinfoAsync(["-T", transport, "127.0.0.1", LogProgram.ProgramDecimal, "1"], Ct);
                Assert.True(ping.ExitCode == 0, ping.Describe() + "\n" + server.Describe());
                // No --port: log_clnt asks rpcbind (clnt_create).
                var report = await peers.RunClientAsync(peers.LogClient,
                    ["--host", "127.0.0.1", "--transport", transport, $"via rpcbind {transport}"], cancellationToken: Ct);
                report.AssertAllOk(1);
            }
            var list = await rpcbind.RpcinfoAsync(["-p", "127.0.0.1"], Ct);
            Assert.Contains(server.TcpPort.ToString(CultureInfo.InvariantCulture), list.StandardOutput, StringComparison.Ordinal);
        }
        Assert.Equal(["via rpcbind tcp", "via rpcbind udp"], await File.ReadAllLinesAsync(logFile, Ct));

        // SIGTERM made the server rpcb_unset its registrations.
        var after = await rpcbind.RpcinfoAsync(["-p", "127.0.0.1"], Ct);
        Assert.DoesNotContain(LogProgram.ProgramDecimal, after.StandardOutput, StringComparison.Ordinal);
    }
}
