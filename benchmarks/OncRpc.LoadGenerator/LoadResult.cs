using System.Globalization;
using System.Text;
using System.Text.Json;

namespace OncRpc.LoadGenerator;

/// <summary>One load run's figures. Server figures are null when the server is not ours.</summary>
public sealed record LoadResult
{
    public required LoadOptions Options { get; init; }
    public long Calls { get; init; }
    public double Seconds { get; init; }
    public double CallsPerSecond { get; init; }
    public double MeanMicroseconds { get; init; }
    public double P50Microseconds { get; init; }
    public double P90Microseconds { get; init; }
    public double P99Microseconds { get; init; }
    public double MaxMicroseconds { get; init; }
    public long Errors { get; init; }
    public string? FirstError { get; init; }
    public double? ClientCpuMicrosecondsPerCall { get; init; }
    public double? ClientBytesPerCall { get; init; }
    public int ClientGen0Collections { get; init; }
    public double? ServerCpuMicrosecondsPerCall { get; init; }
    public double? ServerBytesPerCall { get; init; }
    public long? ServerCalls { get; init; }
    public int? ServerGen0Collections { get; init; }

    /// <summary>bench_clnt.c's one-line shape (so one parser reads both), with our extra keys after.</summary>
    /// <summary>The client's phase totals over the measured window (with --telemetry phases).</summary>
    public PhaseTotals? ClientPhases { get; init; }

    public string ToSummaryLine()
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture,
            $"calls={Calls} secs={Seconds:F3} cps={CallsPerSecond:F1} mean_us={MeanMicroseconds:F2} p50_us={P50Microseconds:F2} p90_us={P90Microseconds:F2} p99_us={P99Microseconds:F2} max_us={MaxMicroseconds:F2}");
        line.Append(CultureInfo.InvariantCulture,
            $" errors={Errors} proc={Options.Procedure} transport={Options.Transport} threads={Options.Connections} inflight={Options.InFlight} size={Options.EffectiveSize} api={Options.Api}");
        line.Append(CultureInfo.InvariantCulture,
            $" client_cpu_us={Fmt(ClientCpuMicrosecondsPerCall)} client_bytes={Fmt(ClientBytesPerCall)} server_cpu_us={Fmt(ServerCpuMicrosecondsPerCall)} server_bytes={Fmt(ServerBytesPerCall)}");
        return line.ToString();
    }

    public string ToTable()
    {
        var t = new StringBuilder();
        t.AppendLine(Options.Describe());
        Row(t, "calls", Calls.ToString("N0", CultureInfo.InvariantCulture));
        Row(t, "calls/s", CallsPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        Row(t, "latency mean/p50/p90/p99/max (µs)", string.Create(CultureInfo.InvariantCulture,
            $"{MeanMicroseconds:F1} / {P50Microseconds:F1} / {P90Microseconds:F1} / {P99Microseconds:F1} / {MaxMicroseconds:F1}"));
        Row(t, "client CPU per call (µs)", Fmt(ClientCpuMicrosecondsPerCall));
        Row(t, "client bytes allocated per call", Fmt(ClientBytesPerCall));
        Row(t, "server CPU per call (µs)", Fmt(ServerCpuMicrosecondsPerCall));
        Row(t, "server bytes allocated per call", Fmt(ServerBytesPerCall));
        Row(t, "gen0 GCs client / server", string.Create(CultureInfo.InvariantCulture,
            $"{ClientGen0Collections} / {(ServerGen0Collections is { } g ? g.ToString(CultureInfo.InvariantCulture) : "n/a")}"));
        Row(t, "errors", Errors.ToString(CultureInfo.InvariantCulture) + (FirstError is null ? "" : $" (first: {FirstError})"));
        return t.ToString();
    }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("transport", Options.Transport);
            json.WriteString("proc", Options.Procedure);
            json.WriteNumber("size", Options.EffectiveSize);
            json.WriteNumber("inflight", Options.InFlight);
            json.WriteString("api", Options.Api);
            json.WriteNumber("connections", Options.Connections);
            json.WriteNumber("durationSeconds", Options.Duration.TotalSeconds);
            json.WriteNumber("warmupSeconds", Options.Warmup.TotalSeconds);
            json.WriteNumber("calls", Calls);
            json.WriteNumber("callsPerSecond", Math.Round(CallsPerSecond, 1));
            json.WriteNumber("meanMicroseconds", Math.Round(MeanMicroseconds, 2));
            json.WriteNumber("p50Microseconds", Math.Round(P50Microseconds, 2));
            json.WriteNumber("p90Microseconds", Math.Round(P90Microseconds, 2));
            json.WriteNumber("p99Microseconds", Math.Round(P99Microseconds, 2));
            json.WriteNumber("maxMicroseconds", Math.Round(MaxMicroseconds, 2));
            json.WriteNumber("errors", Errors);
            Nullable(json, "clientCpuMicrosecondsPerCall", ClientCpuMicrosecondsPerCall);
            Nullable(json, "clientBytesPerCall", ClientBytesPerCall);
            json.WriteNumber("clientGen0Collections", ClientGen0Collections);
            Nullable(json, "serverCpuMicrosecondsPerCall", ServerCpuMicrosecondsPerCall);
            Nullable(json, "serverBytesPerCall", ServerBytesPerCall);
            Nullable(json, "serverCalls", ServerCalls);
            Nullable(json, "serverGen0Collections", ServerGen0Collections);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Nullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, Math.Round(v, 3));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Row(StringBuilder t, string name, string value) =>
        t.Append("  ").Append(name.PadRight(36)).AppendLine(value);

    private static string Fmt(double? value) =>
        value is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";
}
