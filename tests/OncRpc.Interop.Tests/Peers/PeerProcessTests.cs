using OncRpc.Interop.Tests.Infrastructure;

namespace OncRpc.Interop.Tests.Peers;

/// <summary>The harness itself: bounded waits, captured output, report parsing.</summary>
public sealed class PeerProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadyLineGivesThePorts()
    {
        await using var peer = await PeerProcess.StartAsync("sh", ["-c", "echo starting; echo READY 1234 5678; exec sleep 30"],
            cancellationToken: Ct);
        Assert.Equal((1234, 5678), (peer.TcpPort, peer.UdpPort));
        Assert.False(peer.HasExited);
    }

    [Fact]
    public async Task PeerThatExitsEarlyFailsWithItsStderr()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            PeerProcess.StartAsync("sh", ["-c", "echo cannot bind >&2; exit 3"], cancellationToken: Ct));
        Assert.Contains("cannot bind", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentPeerTimesOutAndIsKilled()
    {
        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<TimeoutException>(() =>
            PeerProcess.StartAsync("sh", ["-c", "echo still thinking >&2; exec sleep 60"], TimeSpan.FromMilliseconds(500), Ct));
        Assert.Contains("still thinking", ex.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task RunnerKillsWhatOverstaysItsTimeout()
    {
        var result = await ProcessRunner.RunAsync("sh", ["-c", "echo partial; exec sleep 60"], TimeSpan.FromMilliseconds(500),
            cancellationToken: Ct);
        Assert.True(result.TimedOut);
        Assert.Contains("partial", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void ReportParsesChecksFieldsAndSummary()
    {
        var report = PeerReport.Parse(new ProcessResult("x", 1,
            "ok null\nok errors.prog_mismatch stat=RPC_PROGVERSMISMATCH(9) low=1 high=2\n" +
            "fail errors.fail_auth_tooweak expected=RPC_AUTHERROR stat=RPC_AUTHERROR(7) why=AUTH_BADCRED(1)\n" +
            "summary ok=2 fail=1\n", "", false));
        Assert.Equal(3, report.Checks.Count);
        Assert.Equal((2, 1), (report.SummaryOk, report.SummaryFail));
        Assert.Equal("RPC_PROGVERSMISMATCH", report["errors.prog_mismatch"].Stat);
        Assert.Equal("2", report["errors.prog_mismatch"]["high"]);
        Assert.False(report["errors.fail_auth_tooweak"].Ok);
        Assert.Equal("AUTH_BADCRED", report["errors.fail_auth_tooweak"].Why);
        Assert.ThrowsAny<Exception>(() => report.AssertAllOk());
    }
}
