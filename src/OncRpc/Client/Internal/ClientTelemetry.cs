using System.Diagnostics;
using System.Diagnostics.Metrics;
using OncRpc.Diagnostics;

namespace OncRpc.Client.Internal;

/// <summary>
/// The client's ActivitySource and Meter (<see cref="RpcClientDiagnostics"/>), with the same
/// attribute names as the server's (<see cref="RpcTelemetryTags"/>). Nothing is allocated unless
/// a listener is attached.
/// </summary>
internal static class ClientTelemetry
{
    public static readonly ActivitySource Source = new(RpcClientDiagnostics.ActivitySourceName);
    public static readonly Meter Meter = new(RpcClientDiagnostics.MeterName);

    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "rpc.client.call.duration", unit: "s", description: "Duration of ONC RPC client calls, from the call to its result.");

    public static readonly Counter<long> Retransmissions = Meter.CreateCounter<long>(
        "onc_rpc.client.retransmissions", unit: "{datagram}", description: "UDP call retransmissions.");

    public static readonly Counter<long> DroppedReplies = Meter.CreateCounter<long>(
        "onc_rpc.client.dropped_replies", unit: "{reply}", description: "Replies matching no pending call (late, unknown or duplicate xid).");

    public static bool IsEnabled => Source.HasListeners() || Duration.Enabled;

    public static Activity? StartActivity(RpcProcedureDescriptor procedure, string transport)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        Activity? activity = Source.StartActivity(RpcTelemetryTags.SpanName(procedure), ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            RpcTelemetryTags.SetProcedureTags(activity, procedure, transport);
        }
        return activity;
    }

    public static void RecordDuration(RpcProcedureDescriptor procedure, long startTimestamp, string? errorType)
    {
        if (!Duration.Enabled)
        {
            return;
        }
        TagList tags = RpcTelemetryTags.ProcedureTags(procedure.Program, procedure.Version, procedure.Procedure, procedure);
        if (errorType is not null)
        {
            tags.Add(RpcTelemetryTags.ErrorType, errorType);
        }
        Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }
}
