using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OncRpc.Diagnostics;

/// <summary>
/// Metrics and spans of the server, named per the OpenTelemetry RPC conventions. Everything
/// checks for listeners first: with nobody listening a call costs a timestamp.
/// </summary>
internal static class ServerTelemetry
{
    public const string RpcSystem = "onc_rpc";

    private static readonly Meter s_meter = new(RpcServerDiagnostics.MeterName);
    public static readonly ActivitySource Source = new(RpcServerDiagnostics.ActivitySourceName);

    public static readonly Counter<long> Calls =
        s_meter.CreateCounter<long>("oncrpc.server.calls", "{call}", "Calls answered or dropped by the server");

    public static readonly Counter<long> Errors =
        s_meter.CreateCounter<long>("oncrpc.server.errors", "{call}", "Calls answered with anything but SUCCESS, or dropped");

    public static readonly Histogram<double> Duration =
        s_meter.CreateHistogram<double>("rpc.server.call.duration", "s", "Time from receiving a call to its reply being encoded");

    public static readonly Counter<long> DuplicateRequests =
        s_meter.CreateCounter<long>("oncrpc.server.duplicate_requests", "{call}",
            "At-most-once calls the duplicate-request cache answered or turned away, by outcome: replayed, in_progress, refused; and entries evicted");

    /// <summary>Counts one duplicate-request cache event (nothing when nobody listens).</summary>
    public static void RecordDuplicateRequest(string outcome)
    {
        if (DuplicateRequests.Enabled)
        {
            DuplicateRequests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public static bool MetricsEnabled => Calls.Enabled || Errors.Enabled || Duration.Enabled;

    /// <summary>Starts a server span when anyone listens; null otherwise.</summary>
    public static Activity? StartCall(RpcProcedureDescriptor procedure, RpcTransportKind transport)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        string name = procedure.ProgramName is null
            ? $"{procedure.Program}/{procedure.DisplayName}"
            : $"{procedure.ProgramName}/{procedure.DisplayName}";
        Activity? activity = Source.StartActivity(name, ActivityKind.Server);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", RpcSystem);
            activity.SetTag("onc_rpc.program.name", procedure.ProgramName ?? procedure.Program.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity.SetTag("onc_rpc.program.number", procedure.Program);
            activity.SetTag("onc_rpc.version", procedure.Version);
            activity.SetTag("onc_rpc.procedure.name", procedure.DisplayName);
            activity.SetTag("onc_rpc.procedure.number", procedure.Procedure);
            activity.SetTag("network.transport", transport == RpcTransportKind.Udp ? "udp" : transport == RpcTransportKind.Tcp ? "tcp" : "unix");
        }
        return activity;
    }

    /// <summary>Records a finished call. <paramref name="status"/> is the reply's outcome name
    /// (accept_stat / reject_stat) or "dropped".</summary>
    public static void RecordCall(uint program, uint version, uint procedure, string status, bool error, long startTimestamp)
    {
        if (!MetricsEnabled)
        {
            return;
        }
        var tags = new TagList
        {
            { "rpc.system", RpcSystem },
            { "onc_rpc.program.number", program },
            { "onc_rpc.version", version },
            { "onc_rpc.procedure.number", procedure },
            { "onc_rpc.status", status },
        };
        Calls.Add(1, tags);
        if (error)
        {
            Errors.Add(1, tags);
        }
        Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }
}
