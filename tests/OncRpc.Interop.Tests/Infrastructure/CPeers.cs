namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>
/// The C reference peers (tests/TestData/c), built once per test run into a private temporary
/// directory with Debian's rpcgen + gcc + libtirpc. Thread-safe: the first caller builds, every
/// other caller waits for and shares that build (or its failure).
/// </summary>
public static class CPeers
{
    private static readonly Lazy<CPeerBuild> s_build = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The peers, building them on first use. Skips (or fails, under
    /// <c>ONCRPC_REQUIRE_PEERS=1</c>) when the tools are missing; throws with the compiler's
    /// output when the build itself fails.</summary>
    public static CPeerBuild Get()
    {
        Requirements.SkipUnlessPeerToolsAvailable();
        return s_build.Value;
    }

    /// <summary>tests/TestData, found by walking up from the test assembly.</summary>
    public static string TestDataDirectory { get; } = FindTestData();

    /// <summary>tests/TestData/c: the peers' sources and Makefile.</summary>
    public static string SourceDirectory => Path.Combine(TestDataDirectory, "c");

    private static string FindTestData()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "TestData");
            if (File.Exists(Path.Combine(candidate, "c", "Makefile")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            $"tests/TestData/c/Makefile not found above {AppContext.BaseDirectory}");
    }

    private static CPeerBuild Build()
    {
        var output = Path.Combine(Path.GetTempPath(), $"oncrpc-peers-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(output);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(output, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a peer may still be running from it.
            }
            catch (UnauthorizedAccessException)
            {
            }
        };

        // Synchronous on purpose: this runs inside the Lazy, once per process.
        var psi = new System.Diagnostics.ProcessStartInfo(Requirements.FindOnPath("make") ?? "make")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-C", SourceDirectory, $"OUT={output}", "-j2" })
        {
            psi.ArgumentList.Add(a);
        }
        using var make = System.Diagnostics.Process.Start(psi)
            ?? throw new InvalidOperationException("could not start make");
        var stdout = make.StandardOutput.ReadToEndAsync();
        var stderr = make.StandardError.ReadToEndAsync();
        if (!make.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            ProcessRunner.KillTree(make);
            throw new InvalidOperationException($"building the C peers took more than 3 minutes (make -C {SourceDirectory})");
        }
        make.WaitForExit(); // flushes the redirected streams
        if (make.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"building the C peers failed (make -C {SourceDirectory} OUT={output}, exit {make.ExitCode}):\n" +
                $"{stdout.Result}\n{stderr.Result}");
        }
        return new CPeerBuild(output);
    }
}

/// <summary>The programs of one build of the C peers.</summary>
public sealed class CPeerBuild(string directory)
{
    /// <summary>Default lifetime passed to servers: a server that outlives its test by
    /// accident exits by itself.</summary>
    public static readonly TimeSpan ServerLifetime = TimeSpan.FromMinutes(5);

    public string Directory { get; } = directory;

    public string LogServer => Path.Combine(Directory, "log_svc");
    public string LogClient => Path.Combine(Directory, "log_clnt");
    public string InteropServer => Path.Combine(Directory, "interop_svc");
    public string InteropClient => Path.Combine(Directory, "interop_clnt");
    public string BenchServer => Path.Combine(Directory, "bench_svc");
    public string BenchClient => Path.Combine(Directory, "bench_clnt");

    /// <summary>versions_svc: VERSIONS_PROG versions 1 and 2 (versions.x); --only 1|2 serves one.</summary>
    public string VersionsServer => Path.Combine(Directory, "versions_svc");

    /// <summary>bank_clnt: DEPOSITs of 1 retried with their xid until acknowledged (bank.x).</summary>
    public string BankClient => Path.Combine(Directory, "bank_clnt");

    /// <summary>A fresh Unix socket path in the build directory (short enough for sun_path).</summary>
    public string NewSocketPath() => Path.Combine(Directory, $"{Guid.NewGuid():N}"[..12] + ".sock");

    /// <summary>Starts <paramref name="server"/> on 127.0.0.1, a free port, without rpcbind,
    /// and waits for its READY line. <paramref name="transport"/> is tcp, udp, both, or none
    /// (with <c>--unix PATH</c> in <paramref name="extraArguments"/>).</summary>
    public Task<PeerProcess> StartServerAsync(
        string server, string transport = "both", IEnumerable<string>? extraArguments = null,
        CancellationToken cancellationToken = default)
    {
        string[] arguments =
        [
            "--port", "0", "--transport", transport,
            "--lifetime", ((int)ServerLifetime.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. extraArguments ?? [],
        ];
        return PeerProcess.StartAsync(server, arguments, cancellationToken: cancellationToken);
    }

    /// <summary>Runs a C client to completion (killed after <paramref name="timeout"/>,
    /// default 60 s) and parses its report.</summary>
    public async Task<PeerReport> RunClientAsync(
        string client, IEnumerable<string> arguments, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        var result = await ProcessRunner.RunAsync(
            client, arguments, timeout ?? TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        return PeerReport.Parse(result);
    }

    /// <summary>Runs <see cref="BankClient"/>: <paramref name="count"/> DEPOSITs of 1 to
    /// <paramref name="account"/> at 127.0.0.1:<paramref name="port"/> over
    /// <paramref name="transport"/> (udp or tcp), libtirpc retransmitting every
    /// <paramref name="retry"/> within calls of <paramref name="total"/>, then a BALANCE.</summary>
    public async Task<BankClientReport> RunBankClientAsync(
        int port, string transport, uint account, int count, TimeSpan retry, TimeSpan total,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var result = await ProcessRunner.RunAsync(BankClient,
            [
                "127.0.0.1", Invariant(port), transport, Invariant(account), Invariant(count),
                Invariant((int)retry.TotalMilliseconds), Invariant((int)total.TotalMilliseconds),
            ],
            timeout ?? TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        return BankClientReport.Parse(result);
    }

    private static string Invariant(IFormattable value) => value.ToString(null, System.Globalization.CultureInfo.InvariantCulture);
}
