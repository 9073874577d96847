using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OncRpc.Diagnostics;

/// <summary>
/// Metrics and spans of the server, named per the OpenTelemetry RPC conventions. Everything
/// checks for listeners first: with nobody listening a call costs a timestamp.
/// </summary>
internal static class ServerTelemetry
{
    private static readonly Meter s_meter = new(RpcServerDiagnostics.MeterName);
    public static readonly ActivitySource Source = new(RpcServerDiagnostics.ActivitySourceName);

    public static readonly Counter<long> Calls =
        s_meter.CreateCounter<long>("onc_rpc.server.calls", "{call}", "Calls answered or dropped by the server");

    public static readonly Counter<long> Errors =
        s_meter.CreateCounter<long>("onc_rpc.server.errors", "{call}", "Calls answered with anything but SUCCESS, or dropped");

    public static readonly Histogram<double> Duration =
        s_meter.CreateHistogram<double>("rpc.server.call.duration", "s", "Time from receiving a call to its reply being encoded");

    public static readonly Counter<long> DuplicateRequests =
        s_meter.CreateCounter<long>("onc_rpc.server.duplicate_requests", "{call}",
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
        Activity? activity = Source.StartActivity(RpcTelemetryTags.SpanName(procedure), ActivityKind.Server);
        if (activity is { IsAllDataRequested: true })
        {
            RpcTelemetryTags.SetProcedureTags(activity, procedure, RpcTelemetryTags.Transport(transport));
        }
        return activity;
    }

    /// <summary>Records a finished call. <paramref name="status"/> is the reply's outcome name
    /// (accept_stat / reject_stat) or "dropped"; an error also carries it as <c>error.type</c>.</summary>
    public static void RecordCall(uint program, uint version, uint procedure, RpcProcedureDescriptor? descriptor,
        string status, bool error, long startTimestamp)
    {
        if (!MetricsEnabled)
        {
            return;
        }
        TagList tags = RpcTelemetryTags.ProcedureTags(program, version, procedure, descriptor);
        tags.Add(RpcTelemetryTags.Status, status);
        Calls.Add(1, tags);
        if (error)
        {
            tags.Add(RpcTelemetryTags.ErrorType, status);
            Errors.Add(1, tags);
        }
        Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }
}
