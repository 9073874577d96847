using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace OncRpc.LoadGenerator;

/// <summary>
/// The load generator's command line:
/// <code>
///   [prefix] serve [--port N] [--transport tcp|udp|both|none] [--unix PATH] [--shm PATH] [--semantics at-most-once] [--lifetime S] [--exit-on-stdin-eof]
///                  [--telemetry none|metrics|traces|all|phases]
///   [prefix] [--transport tcp|udp|unix|shm] [--proc null|add|echo|record] [--size N] [--inflight K] [--api sync|async|raw|raw-async]
///            [--connections C] [--duration S] [--warmup S] [--timeout S]
///            (--server | --target HOST:PORT | --unix PATH: the socket of unix or shm) [--client-cpus LIST] [--server-cpus LIST]
///            [--idle-connections N] [--json] [--telemetry none|metrics|traces|all|phases] [--phases]
///   [prefix] --memory-after-teardown [--transport tcp|unix] [--proc ...] [--size N] [--connections C] [--inflight K] [--duration S]
/// </code>
/// <c>prefix</c> is how the host re-invokes itself (empty for the load generator's own Main):
/// --server starts <c>[taskset -c LIST] self prefix serve</c> as a separate process, and
/// --client-cpus re-executes this client under taskset.
/// Exit 0 when calls were measured and none failed, 1 otherwise, 2 on bad usage.
/// </summary>
public static class BenchCli
{
    private const string PinnedVariable = "ONCRPC_BENCH_PINNED";

    public static async Task<int> RunAsync(string[] args, string[] selfPrefix, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            if (args.Length > 0 && args[0] == "serve")
            {
                var serve = Parse(args.AsSpan(1));
                return await BenchServer.ServeAsync(
                    serve.Int("--port", 0), serve.Get("--transport") ?? "tcp", serve.Get("--unix"), serve.Get("--shm"), serve.Get("--semantics") == "at-most-once",
                    TimeSpan.FromSeconds(serve.Double("--lifetime", 600)), serve.Flag("--exit-on-stdin-eof"), Telemetry(serve.Get("--telemetry") ?? "none"), serve.Flag("--tls"),
                    output, cancellationToken)
                    .ConfigureAwait(false);
            }
            var parsed = Parse(args);
            if (parsed.Flag("--help") || parsed.Flag("-h"))
            {
                await output.WriteLineAsync(Usage).ConfigureAwait(false);
                return 0;
            }
            LoadOptions options = ToOptions(parsed);
            if (parsed.Flag("--memory-after-teardown"))
            {
                (string line, bool ok) = await TeardownMemory.RunAsync(options, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(line).ConfigureAwait(false);
                return ok ? 0 : 1;
            }
            if (options.ClientCpus is { } cpus && Environment.GetEnvironmentVariable(PinnedVariable) != "1")
            {
                return await ReexecPinnedAsync(cpus, selfPrefix, args, options, cancellationToken).ConfigureAwait(false);
            }
            return await RunClientAsync(options, selfPrefix, output, error, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}\n{Usage}").ConfigureAwait(false);
            return 2;
        }
    }

    public const string Usage = """
        usage: [serve [--port N] [--transport tcp|udp|both|none] [--unix PATH] [--shm PATH] [--semantics at-most-once] [--lifetime S] [--exit-on-stdin-eof]
                      [--telemetry none|metrics|traces|all|phases] [--tls]]
               [--transport tcp|udp|unix|shm] [--proc null|add|echo|record] [--size N] [--inflight K] [--connections C] [--api sync|async|raw]
               [--semantics at-least-once|at-most-once] [--duration S] [--warmup S] [--timeout S] (--server | --target HOST:PORT | --unix PATH: the socket of unix or shm)
               [--client-cpus LIST] [--server-cpus LIST] [--idle-connections N] [--json]
               [--telemetry none|metrics|traces|all|phases]   listeners in client and started server (the cost of telemetry)
               [--tls]   RPC-with-TLS on the measured connections and the started server (serve --tls: a throwaway self-signed certificate)
               [--phases]   where a call's time goes: client phases, the server's inside the wait (needs --server)
               [--gss none|krb5|krb5i|krb5p] [--gss-target nfs@localhost]   RPCSEC_GSS calls (the served bench accepts them)
               --memory-after-teardown   the load against an in-process server, then full teardown: the GC heap kept beyond a baseline
        """;

    private static LoadOptions ToOptions(Args a)
    {
        var options = new LoadOptions
        {
            Transport = a.Get("--transport") ?? "tcp",
            Procedure = a.Get("--proc") ?? "null",
            Size = a.Int("--size", -1),
            InFlight = a.Int("--inflight", 1),
            Api = a.Get("--api") ?? "async",
            Connections = a.Int("--connections", 1),
            Duration = TimeSpan.FromSeconds(a.Double("--duration", 5)),
            Warmup = TimeSpan.FromSeconds(a.Double("--warmup", 1)),
            CallTimeout = TimeSpan.FromSeconds(a.Double("--timeout", 10)),
            Gss = a.Get("--gss") ?? "none",
            GssTarget = a.Get("--gss-target") ?? "nfs@localhost",
            Target = a.Get("--target"),
            UnixPath = a.Get("--unix"),
            StartServer = a.Flag("--server"),
            ServerCpus = a.Get("--server-cpus"),
            ClientCpus = a.Get("--client-cpus"),
            IdleConnections = a.Int("--idle-connections", 0),
            Json = a.Flag("--json"),
            Phases = a.Flag("--phases"),
            Tls = a.Flag("--tls"),
            Telemetry = a.Flag("--phases") ? "phases" : Telemetry(a.Get("--telemetry") ?? "none"),
            AtMostOnce = (a.Get("--semantics") ?? "at-least-once") switch
            {
                "at-least-once" => false,
                "at-most-once" => true,
                _ => throw new UsageException("--semantics: at-least-once or at-most-once"),
            },
        };
        if (options.Transport is not ("tcp" or "udp" or "unix" or "shm"))
        {
            throw new UsageException("--transport: tcp, udp, unix or shm");
        }
        if (options.Tls && options.Transport == "shm")
        {
            throw new UsageException("--tls: not over shared memory");
        }
        if (options.Tls && options.Transport == "udp")
        {
            throw new UsageException("--tls: TCP or Unix only (.NET has no DTLS)");
        }
        if (options.Gss is not ("none" or "krb5" or "krb5i" or "krb5p"))
        {
            throw new UsageException("--gss: none, krb5, krb5i or krb5p (RPCSEC_GSS; needs KRB5CCNAME, and KRB5_KTNAME for --server)");
        }
        if (options.Api is not ("sync" or "async" or "raw" or "raw-async"))
        {
            throw new UsageException(
                "--api: sync (RpcClient.Call on a thread per loop), async, raw (hand-built NULL calls on a blocking socket, no library) or raw-async (the same awaited on .NET's async socket)");
        }
        if (options.Api is "raw" or "raw-async" && (options.Transport != "tcp" || options.Procedure != "null" || options.Gss != "none" || options.Tls))
        {
            throw new UsageException($"--api {options.Api}: plain TCP NULL calls only (the floor a .NET client stands on)");
        }
        if (options.Procedure is not ("null" or "add" or "echo" or "record"))
        {
            throw new UsageException("--proc: null, add, echo or record");
        }
        if (options.InFlight < 1 || options.Connections < 1 || options.Duration <= TimeSpan.Zero || options.Warmup < TimeSpan.Zero)
        {
            throw new UsageException("--inflight and --connections must be at least 1, --duration positive");
        }
        if (options.Phases && !options.StartServer)
        {
            throw new UsageException("--phases needs --server (the server's phases come from the server it starts)");
        }
        if (!a.Flag("--memory-after-teardown") && options.StartServer == (options.Target is not null || (options.Transport is "unix" or "shm" && options.UnixPath is not null)))
        {
            throw new UsageException("give either --server or --target HOST:PORT (--unix PATH for unix)");
        }
        return options;
    }

    private static string Telemetry(string mode) =>
        Array.IndexOf(BenchTelemetry.Modes, mode) >= 0 ? mode : throw new UsageException($"--telemetry: one of {string.Join(", ", BenchTelemetry.Modes)}");

    private static async Task<int> RunClientAsync(LoadOptions options, string[] selfPrefix, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        ServerProcess? server = null;
        using var telemetry = new BenchTelemetry(options.Telemetry);
        LoadResult? result = null;
        try
        {
            EndPoint endPoint;
            if (options.StartServer)
            {
                server = await ServerProcess.StartAsync(options, selfPrefix, cancellationToken).ConfigureAwait(false);
                endPoint = server.EndPoint;
            }
            else
            {
                endPoint = ParseTarget(options);
            }
            if (options.IdleConnections > 0)
            {
                IdleConnectionsResult idle = await LoadRunner.RunIdleConnectionsAsync(options, endPoint, options.IdleConnections, cancellationToken)
                    .ConfigureAwait(false);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"idle_connections={idle.Connections} server_rss_delta_mib={idle.ResidentSetDeltaBytes / 1048576.0:F2} server_gc_heap_delta_mib={idle.GcHeapDeltaBytes / 1048576.0:F2} server_rss_before_mib={idle.ResidentSetBeforeBytes / 1048576.0:F1} server_rss_after_mib={idle.ResidentSetAfterBytes / 1048576.0:F1} per_connection_kib={idle.ResidentSetDeltaBytes / 1024.0 / idle.Connections:F1}"))
                    .ConfigureAwait(false);
                return 0;
            }
            result = await LoadRunner.RunAsync(options, endPoint, cancellationToken, telemetry).ConfigureAwait(false);
            await output.WriteLineAsync(options.Json ? result.ToJson() : result.ToTable()).ConfigureAwait(false);
            await output.WriteLineAsync(result.ToSummaryLine()).ConfigureAwait(false);
            if (result.FirstError is not null)
            {
                await error.WriteLineAsync($"first error: {result.FirstError}").ConfigureAwait(false);
            }
            return result.Calls > 0 && result.Errors == 0 ? 0 : 1;
        }
        catch (Exception e) when (e is RpcException or SocketException or TimeoutException or InvalidOperationException or IOException)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            if (server is not null)
            {
                string tail = await server.StopAsync().ConfigureAwait(false);
                if (tail.Length > 0)
                {
                    await error.WriteLineAsync(tail.TrimEnd()).ConfigureAwait(false);
                }
                if (options.Phases && result?.ClientPhases is { } client)
                {
                    await output.WriteLineAsync(PhaseReport.Format(options, result, client, PhaseTotals.Parse(tail))).ConfigureAwait(false);
                }
            }
        }
    }

    private static EndPoint ParseTarget(LoadOptions options)
    {
        if (options.Transport is "unix" or "shm")
        {
            return new UnixDomainSocketEndPoint(options.UnixPath ?? throw new UsageException($"--transport {options.Transport} needs --unix PATH"));
        }
        string target = options.Target ?? throw new UsageException("--target HOST:PORT");
        int colon = target.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(target.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)
            || !IPAddress.TryParse(target[..colon].Trim('[', ']'), out IPAddress? address))
        {
            throw new UsageException($"--target: HOST:PORT with a numeric address, not '{target}'");
        }
        return new IPEndPoint(address!, port);
    }

    /// <summary>The command that runs this program again: the apphost, or dotnet + the entry assembly.</summary>
    internal static List<string> SelfCommand(string[] prefix)
    {
        string processPath = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var command = new List<string> { processPath };
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            command.Add(Assembly.GetEntryAssembly()?.Location ?? throw new InvalidOperationException("no entry assembly"));
        }
        command.AddRange(prefix);
        return command;
    }

    private static async Task<int> ReexecPinnedAsync(string cpus, string[] selfPrefix, string[] args, LoadOptions options, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("taskset") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(cpus);
        foreach (string part in SelfCommand(selfPrefix))
        {
            start.ArgumentList.Add(part);
        }
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment[PinnedVariable] = "1";
        using Process child = Process.Start(start) ?? throw new InvalidOperationException("taskset did not start");
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(options.Warmup + options.Duration + options.CallTimeout + TimeSpan.FromSeconds(120));
        try
        {
            await child.WaitForExitAsync(bound.Token).ConfigureAwait(false);
            return child.ExitCode;
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            return 1;
        }
    }

    private static Args Parse(ReadOnlySpan<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (!a.StartsWith('-'))
            {
                throw new UsageException($"unexpected '{a}'");
            }
            if (a is "--server" or "--json" or "--phases" or "--tls" or "--exit-on-stdin-eof" or "--help" or "-h"
                || a == "--memory-after-teardown")
            {
                flags.Add(a);
            }
            else if (i + 1 < args.Length)
            {
                values[a] = args[++i];
            }
            else
            {
                throw new UsageException($"{a} needs a value");
            }
        }
        return new Args(values, flags);
    }

    private sealed record Args(Dictionary<string, string> Values, HashSet<string> Flags)
    {
        private static readonly HashSet<string> s_known =
        [
            "--port", "--transport", "--unix", "--shm", "--lifetime", "--proc", "--size", "--inflight", "--api", "--semantics", "--connections", "--duration",
            "--warmup", "--timeout", "--target", "--client-cpus", "--server-cpus", "--idle-connections", "--telemetry", "--gss", "--gss-target",
        ];

        public string? Get(string name)
        {
            Check(name);
            return Values.GetValueOrDefault(name);
        }

        public bool Flag(string name) => Flags.Contains(name);

        public int Int(string name, int fallback) =>
            Get(name) is { } v ? int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n
                : throw new UsageException($"{name}: not an integer: {v}") : fallback;

        public double Double(string name, double fallback) =>
            Get(name) is { } v ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d
                : throw new UsageException($"{name}: not a number: {v}") : fallback;

        private void Check(string name)
        {
            foreach (string key in Values.Keys)
            {
                if (!s_known.Contains(key))
                {
                    throw new UsageException($"unknown option {key}");
                }
            }
            _ = name;
        }
    }

    private sealed class UsageException(string message) : Exception(message);
}
