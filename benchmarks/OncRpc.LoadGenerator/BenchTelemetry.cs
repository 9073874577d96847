using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using OncRpc.Diagnostics;

namespace OncRpc.LoadGenerator;

/// <summary>
/// What listens to the runtime's telemetry during a run (<c>--telemetry</c>), in the client and in
/// the bench server alike: none; metrics (a <see cref="MeterListener"/> on the client's and
/// server's meters, adding every measurement into a total, as an SDK's aggregation would);
/// traces (an <see cref="ActivityListener"/> sampling every span, all data); all (both); phases
/// (a listener on the phase meters only, summing each phase of the bench program's calls, for
/// <c>--phases</c>).
/// </summary>
public sealed class BenchTelemetry : IDisposable
{
    public static readonly string[] Modes = ["none", "metrics", "traces", "all", "phases"];

    private readonly MeterListener? _meters;
    private readonly ActivityListener? _activities;
    private double _total;
    private long _spans;

    public BenchTelemetry(string mode)
    {
        if (Array.IndexOf(Modes, mode) < 0)
        {
            throw new ArgumentException($"--telemetry: one of {string.Join(", ", Modes)}", nameof(mode));
        }
        bool metrics = mode is "metrics" or "all";
        bool phases = mode == "phases";
        if (metrics || phases)
        {
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    string meter = instrument.Meter.Name;
                    if (phases ? meter is RpcClientDiagnostics.PhasesMeterName or RpcServerDiagnostics.PhasesMeterName
                        : meter is RpcClientDiagnostics.MeterName or RpcServerDiagnostics.MeterName)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            if (phases)
            {
                _meters.SetMeasurementEventCallback<double>(OnPhase);
            }
            else
            {
                _meters.SetMeasurementEventCallback<double>((_, value, _, _) => Interlocked.Exchange(ref _total, _total + value));
                _meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Exchange(ref _total, _total + value));
            }
            _meters.Start();
        }
        if (mode is "traces" or "all")
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name is RpcClientDiagnostics.ActivitySourceName or RpcServerDiagnostics.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _ => Interlocked.Increment(ref _spans),
            };
            ActivitySource.AddActivityListener(_activities);
        }
    }

    // Phase names as the runtime tags them; totals in nanoseconds, added without a lock or an
    // allocation so the listener costs the run as little as it can.
    private static readonly string[] s_clientPhases = ["encode", "wait_to_send", "send", "wait_for_reply", "decode", "resume"];
    private static readonly string[] s_serverPhases = ["read", "queue", "header", "auth", "cache", "decode", "handler", "encode", "send"];
    private readonly long[] _clientNanoseconds = new long[s_clientPhases.Length];
    private readonly long[] _clientCounts = new long[s_clientPhases.Length];
    private readonly long[] _serverNanoseconds = new long[s_serverPhases.Length];
    private readonly long[] _serverCounts = new long[s_serverPhases.Length];

    private void OnPhase(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        string? phase = null;
        bool bench = false;
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            if (tag.Key == "onc_rpc.phase")
            {
                phase = tag.Value as string;
            }
            else if (tag.Key == "onc_rpc.program.number")
            {
                bench = tag.Value is uint program && program == BenchProgram.Program;
            }
        }
        if (phase is null || !bench)
        {
            return; // the control program's calls are not measured
        }
        bool server = instrument.Meter.Name == RpcServerDiagnostics.PhasesMeterName;
        string[] names = server ? s_serverPhases : s_clientPhases;
        for (int i = 0; i < names.Length; i++)
        {
            if (ReferenceEquals(names[i], phase) || names[i] == phase)
            {
                Interlocked.Add(ref (server ? _serverNanoseconds : _clientNanoseconds)[i], (long)(seconds * 1e9));
                Interlocked.Increment(ref (server ? _serverCounts : _clientCounts)[i]);
                return;
            }
        }
    }

    /// <summary>The phase totals so far ("client.encode", "server.read"...), to difference over a window.</summary>
    public PhaseTotals Snapshot()
    {
        var phases = new Dictionary<string, (double, long)>(StringComparer.Ordinal);
        for (int i = 0; i < s_clientPhases.Length; i++)
        {
            phases["client." + s_clientPhases[i]] = (Volatile.Read(ref _clientNanoseconds[i]) / 1e9, Volatile.Read(ref _clientCounts[i]));
        }
        for (int i = 0; i < s_serverPhases.Length; i++)
        {
            phases["server." + s_serverPhases[i]] = (Volatile.Read(ref _serverNanoseconds[i]) / 1e9, Volatile.Read(ref _serverCounts[i]));
        }
        return new PhaseTotals(phases);
    }

    public void Dispose()
    {
        _meters?.Dispose();
        _activities?.Dispose();
    }
}

/// <summary>Per phase: seconds summed and calls counted.</summary>
public sealed record PhaseTotals(Dictionary<string, (double Sum, long Count)> Phases)
{
    public static readonly PhaseTotals Empty = new(new Dictionary<string, (double, long)>(StringComparer.Ordinal));

    /// <summary>This minus <paramref name="earlier"/>: the window between two snapshots.</summary>
    public PhaseTotals Since(PhaseTotals earlier)
    {
        var window = new Dictionary<string, (double, long)>(StringComparer.Ordinal);
        foreach ((string name, (double sum, long count)) in Phases)
        {
            (double s0, long c0) = earlier.Phases.GetValueOrDefault(name);
            if (count > c0)
            {
                window[name] = (sum - s0, count - c0);
            }
        }
        return new PhaseTotals(window);
    }

    /// <summary>Mean microseconds per call of <paramref name="name"/> (0 when never seen).</summary>
    public double MeanMicroseconds(string name) =>
        Phases.TryGetValue(name, out (double Sum, long Count) v) && v.Count > 0 ? v.Sum / v.Count * 1e6 : 0;

    /// <summary>One line: <c>PHASES name=sum_seconds:count ...</c> (how the bench server reports its side).</summary>
    public string ToLine()
    {
        var line = new StringBuilder("PHASES");
        foreach ((string name, (double sum, long count)) in Phases.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            line.Append(CultureInfo.InvariantCulture, $" {name}={sum:R}:{count}");
        }
        return line.ToString();
    }

    /// <summary>Parses <see cref="ToLine"/>'s output; null when <paramref name="text"/> has no such line.</summary>
    public static PhaseTotals? Parse(string text)
    {
        string? line = text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("PHASES", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }
        var phases = new Dictionary<string, (double, long)>(StringComparer.Ordinal);
        foreach (string part in line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            int colon = part.LastIndexOf(':');
            phases[part[..eq]] = (double.Parse(part[(eq + 1)..colon], CultureInfo.InvariantCulture),
                long.Parse(part[(colon + 1)..], CultureInfo.InvariantCulture));
        }
        return new PhaseTotals(phases);
    }
}
