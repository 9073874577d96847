namespace OncRpc.Diagnostics;

/// <summary>Names to subscribe to the client's telemetry (e.g. OpenTelemetry's AddMeter and
/// AddSource); docs/observability.md lists every instrument and attribute.</summary>
public static class RpcClientDiagnostics
{
    /// <summary>The client's <see cref="System.Diagnostics.Metrics.Meter"/>: histogram
    /// <c>rpc.client.call.duration</c> (seconds), counters <c>onc_rpc.client.retransmissions</c>
    /// and <c>onc_rpc.client.dropped_replies</c>.</summary>
    public const string MeterName = "OncRpc.Client";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of client spans (kind Client).</summary>
    public const string ActivitySourceName = "OncRpc.Client";
}
