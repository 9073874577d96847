using System.Globalization;

namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>The one-line result of bench_clnt (and of any load generator printing the same
/// shape): <c>calls=N secs=S cps=X mean_us=M p50_us=A p90_us=B p99_us=C max_us=D errors=E ...</c>.</summary>
public sealed record BenchResult(
    long Calls, double Seconds, double CallsPerSecond,
    double MeanMicroseconds, double P50Microseconds, double P90Microseconds,
    double P99Microseconds, double MaxMicroseconds, long Errors,
    IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>Parses the last line of <paramref name="output"/> that carries <c>calls=</c>.</summary>
    public static BenchResult Parse(string output)
    {
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("calls=", StringComparison.Ordinal))
            ?? throw new FormatException($"no 'calls=' line in:\n{output}");
        var fields = PeerReport.ParseFields(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        double D(string key) => double.Parse(Get(key), NumberStyles.Float, CultureInfo.InvariantCulture);
        long L(string key) => long.Parse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture);
        string Get(string key) => fields.TryGetValue(key, out var v) ? v : throw new FormatException($"no '{key}=' in: {line}");
        return new BenchResult(
            L("calls"), D("secs"), D("cps"), D("mean_us"), D("p50_us"), D("p90_us"), D("p99_us"), D("max_us"),
            fields.ContainsKey("errors") ? L("errors") : 0, fields);
    }
}
