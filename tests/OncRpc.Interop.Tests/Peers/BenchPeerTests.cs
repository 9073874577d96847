using System.Globalization;
using OncRpc.Interop.Tests.Infrastructure;

namespace OncRpc.Interop.Tests.Peers;

/// <summary>bench_clnt -> bench_svc: the load generator runs and reports a parseable line.
/// Never a timing assertion: figures are compared in benchmarks/, in one run, as ratios.</summary>
public sealed class BenchPeerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("tcp", "null", 0, 1)]
    [InlineData("tcp", "add", 0, 1)]
    [InlineData("tcp", "echo", 4096, 2)]
    [InlineData("tcp", "record", 16, 1)]
    [InlineData("udp", "null", 0, 1)]
    [InlineData("udp", "echo", 1000, 2)]
    [InlineData("udp", "record", 16, 1)]
    public async Task LoadGeneratorMeasures(string transport, string proc, int size, int threads)
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.BenchServer, transport, cancellationToken: Ct);
        var port = transport == "tcp" ? server.TcpPort : server.UdpPort;
        var result = await ProcessRunner.RunAsync(peers.BenchClient,
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--transport", transport, "--proc", proc,
             "--size", size.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture),
             "--seconds", "0.5", "--warmup", "0.1"],
            TimeSpan.FromSeconds(30), cancellationToken: Ct);
        Assert.True(result.ExitCode == 0, result.Describe());

        var bench = BenchResult.Parse(result.StandardOutput);
        Assert.True(bench.Calls > 0, result.Describe());
        Assert.Equal(0, bench.Errors);
        Assert.Equal(proc, bench.Fields["proc"]);
        Assert.Equal(threads.ToString(CultureInfo.InvariantCulture), bench.Fields["threads"]);
        Assert.True(bench.P50Microseconds <= bench.P90Microseconds
            && bench.P90Microseconds <= bench.P99Microseconds
            && bench.P99Microseconds <= bench.MaxMicroseconds
            && bench.MeanMicroseconds > 0, result.StandardOutput);
    }

    /// <summary>The load generator's floors (<c>--api raw</c>: hand-built NULL calls on a blocking
    /// socket, no library; <c>--api raw-async</c>: the same awaited on .NET's async socket) against
    /// the C server: every reply checked, none failing.</summary>
    [Theory]
    [InlineData("raw")]
    [InlineData("raw-async")]
    public async Task RawFloorCallsTheCServer(string api)
    {
        (ProcessResult result, BenchResult bench) = await RunRawFloorAsync(api, CPeers.Get().BenchServer, expectedExit: 0);
        Assert.True(bench.Calls > 0, result.Describe());
        Assert.Equal(0, bench.Errors);
        Assert.Equal(api, bench.Fields["api"]);
    }

    /// <summary>The floors check their replies: a server without the bench program answers
    /// PROG_UNAVAIL, which counts as a failure (exit 1), not as a call.</summary>
    [Theory]
    [InlineData("raw")]
    [InlineData("raw-async")]
    public async Task RawFloorCountsARejectedCallAsAnError(string api)
    {
        (_, BenchResult bench) = await RunRawFloorAsync(api, CPeers.Get().LogServer, expectedExit: 1);
        Assert.Equal(0, bench.Calls);
        Assert.Equal(1, bench.Errors);
    }

    /// <summary>The floor <paramref name="api"/> against a C <paramref name="serverPath"/> over TCP for half a second.</summary>
    private static async Task<(ProcessResult Result, BenchResult Bench)> RunRawFloorAsync(string api, string serverPath, int expectedExit)
    {
        await using var server = await CPeers.Get().StartServerAsync(serverPath, "tcp", cancellationToken: Ct);
        var result = await RunLoadGeneratorAsync("--target", $"127.0.0.1:{server.TcpPort}", "--api", api, "--duration", "0.5", "--warmup", "0");
        Assert.True(result.ExitCode == expectedExit, result.Describe());
        return (result, BenchResult.Parse(result.StandardOutput));
    }

    [Theory]
    [InlineData("raw", "--proc", "add")]
    [InlineData("raw", "--transport", "udp")]
    [InlineData("raw-async", "--proc", "echo")]
    public async Task RawFloorRefusesWhatItCannotMeasure(string api, string option, string value)
    {
        var result = await RunLoadGeneratorAsync("--target", "127.0.0.1:1", "--api", api, option, value);
        Assert.True(result.ExitCode == 2, result.Describe());
        Assert.Contains($"--api {api}: plain TCP NULL calls only", result.StandardError, StringComparison.Ordinal);
    }

    private static Task<ProcessResult> RunLoadGeneratorAsync(params string[] arguments)
    {
        (string dotnet, string dll) = Sample.Require("OncRpc.LoadGenerator", folder: "benchmarks");
        return ProcessRunner.RunAsync(dotnet, [dll, .. arguments], TimeSpan.FromSeconds(60), cancellationToken: Ct);
    }

    [Fact]
    public void ParsesTheResultLine()
    {
        var r = BenchResult.Parse(
            "noise\ncalls=284184 secs=5.000 cps=56836.8 mean_us=17.50 p50_us=16.08 p90_us=17.77 p99_us=37.80 " +
            "max_us=5467.43 errors=0 proc=null transport=tcp threads=1 size=64\n");
        Assert.Equal(284184, r.Calls);
        Assert.Equal(56836.8, r.CallsPerSecond);
        Assert.Equal(37.80, r.P99Microseconds);
        Assert.Equal("tcp", r.Fields["transport"]);
    }
}
