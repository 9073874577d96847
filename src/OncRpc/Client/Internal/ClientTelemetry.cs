using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace OncRpc.Client.Internal;

/// <summary>
/// The client's ActivitySource and Meter, both named "OncRpc.Client", with the OpenTelemetry RPC
/// attribute names. Nothing is allocated unless a listener is attached.
/// </summary>
internal static class ClientTelemetry
{
    public const string Name = "OncRpc.Client";
    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "rpc.client.call.duration", unit: "s", description: "Duration of ONC RPC client calls.");

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
        string program = ProgramName(procedure);
        Activity? activity = Source.StartActivity($"{program}/{procedure.DisplayName}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "onc_rpc");
            activity.SetTag("onc_rpc.program.name", program);
            activity.SetTag("onc_rpc.program.number", procedure.Program);
            activity.SetTag("onc_rpc.version", procedure.Version);
            activity.SetTag("onc_rpc.procedure.name", procedure.DisplayName);
            activity.SetTag("onc_rpc.procedure.number", procedure.Procedure);
            activity.SetTag("network.transport", transport);
        }
        return activity;
    }

    public static void RecordDuration(RpcProcedureDescriptor procedure, long startTimestamp, string? errorType)
    {
        if (!Duration.Enabled)
        {
            return;
        }
        var tags = new TagList
        {
            { "rpc.system", "onc_rpc" },
            { "onc_rpc.program.name", ProgramName(procedure) },
            { "onc_rpc.version", procedure.Version },
            { "onc_rpc.procedure.name", procedure.DisplayName },
        };
        if (errorType is not null)
        {
            tags.Add("error.type", errorType);
        }
        Duration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }

    private static string ProgramName(RpcProcedureDescriptor procedure) =>
        procedure.ProgramName ?? procedure.Program.ToString(CultureInfo.InvariantCulture);
}
