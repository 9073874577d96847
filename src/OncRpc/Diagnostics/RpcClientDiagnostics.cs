namespace OncRpc.Diagnostics;

/// <summary>Names to subscribe to the client's telemetry (e.g. OpenTelemetry's AddMeter and
/// AddSource); docs/observability.md lists every instrument and attribute.</summary>
public static class RpcClientDiagnostics
{
    /// <summary>The client's <see cref="System.Diagnostics.Metrics.Meter"/>: histogram
    /// <c>rpc.client.call.duration</c> (seconds), counters <c>onc_rpc.client.retransmissions</c>
    /// and <c>onc_rpc.client.dropped_replies</c>.</summary>
    public const string MeterName = "OncRpc.Client";

    /// <summary>The meter of phase timing: histogram <c>onc_rpc.client.call.phase.duration</c>
    /// (seconds, tagged <c>onc_rpc.phase</c>). Separate from <see cref="MeterName"/> because it
    /// costs a clock read per phase: a call is timed only while something listens to it.</summary>
    public const string PhasesMeterName = "OncRpc.Client.Phases";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of client spans (kind Client).</summary>
    public const string ActivitySourceName = "OncRpc.Client";
}
