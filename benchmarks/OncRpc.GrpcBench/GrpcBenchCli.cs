using System.Globalization;
using System.Net.Sockets;
using OncRpc.LoadGenerator;

namespace OncRpc.GrpcBench;

/// <summary>
/// The command line, a subset of OncRpc.LoadGenerator's with the same meanings and the same output
/// (its table or --json, then its one-line summary with <c>transport=grpc</c>):
/// <code>
///   serve [--port N] [--lifetime S]
///   --target HOST:PORT [--proc null|add|echo] [--size N] [--inflight K] [--connections C]
///         [--duration S] [--warmup S] [--timeout S] [--json]
/// </code>
/// Pinning is the caller's (taskset in benchmarks/run-matrix.sh). Exit 0 when calls were measured
/// and none failed, 1 otherwise, 2 on bad usage.
/// </summary>
internal static class GrpcBenchCli
{
    public const string Usage = """
        usage: serve [--port N] [--lifetime S]
               --target HOST:PORT [--proc null|add|echo] [--size N] [--inflight K] [--connections C]
                      [--duration S] [--warmup S] [--timeout S] [--json]
        """;

    private static readonly HashSet<string> s_known =
        ["--port", "--lifetime", "--target", "--proc", "--size", "--inflight", "--connections", "--duration", "--warmup", "--timeout"];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            bool serve = args.Length > 0 && args[0] == "serve";
            (Dictionary<string, string> values, HashSet<string> flags) = Parse(serve ? args[1..] : args);
            if (flags.Contains("--help"))
            {
                await output.WriteLineAsync(Usage).ConfigureAwait(false);
                return 0;
            }
            if (serve)
            {
                return await GrpcBenchServer.ServeAsync(Int(values, "--port", 0), TimeSpan.FromSeconds(Double(values, "--lifetime", 600)),
                    output, cancellationToken).ConfigureAwait(false);
            }
            var options = new LoadOptions
            {
                Transport = "grpc",
                Api = "async",
                Target = values.GetValueOrDefault("--target") ?? throw new UsageException("--target HOST:PORT"),
                Procedure = values.GetValueOrDefault("--proc") ?? "null",
                Size = Int(values, "--size", -1),
                InFlight = Int(values, "--inflight", 1),
                Connections = Int(values, "--connections", 1),
                Duration = TimeSpan.FromSeconds(Double(values, "--duration", 5)),
                Warmup = TimeSpan.FromSeconds(Double(values, "--warmup", 1)),
                CallTimeout = TimeSpan.FromSeconds(Double(values, "--timeout", 10)),
                Json = flags.Contains("--json"),
            };
            if (options.Procedure is not ("null" or "add" or "echo"))
            {
                throw new UsageException("--proc: null, add or echo");
            }
            if (options.InFlight < 1 || options.Connections < 1 || options.Duration <= TimeSpan.Zero || options.Warmup < TimeSpan.Zero)
            {
                throw new UsageException("--inflight and --connections must be at least 1, --duration positive");
            }
            LoadResult result = await GrpcLoadRunner.RunAsync(options, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(options.Json ? result.ToJson() : result.ToTable()).ConfigureAwait(false);
            await output.WriteLineAsync(result.ToSummaryLine()).ConfigureAwait(false);
            if (result.FirstError is not null)
            {
                await error.WriteLineAsync($"first error: {result.FirstError}").ConfigureAwait(false);
            }
            return result.Calls > 0 && result.Errors == 0 ? 0 : 1;
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}\n{Usage}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or HttpRequestException or SocketException or TimeoutException or UriFormatException)
        {
            await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static (Dictionary<string, string> Values, HashSet<string> Flags) Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "--json" or "--help" or "-h")
            {
                flags.Add(a == "-h" ? "--help" : a);
            }
            else if (!s_known.Contains(a))
            {
                throw new UsageException($"unknown option {a}");
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
        return (values, flags);
    }

    private static int Int(Dictionary<string, string> values, string name, int fallback) =>
        values.TryGetValue(name, out string? v) ? int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n
            : throw new UsageException($"{name}: not an integer: {v}") : fallback;

    private static double Double(Dictionary<string, string> values, string name, double fallback) =>
        values.TryGetValue(name, out string? v) ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d
            : throw new UsageException($"{name}: not a number: {v}") : fallback;

    private sealed class UsageException(string message) : Exception(message);
}
