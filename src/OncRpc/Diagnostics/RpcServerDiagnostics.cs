namespace OncRpc.Diagnostics;

/// <summary>Names to subscribe to the server's telemetry (e.g. OpenTelemetry's AddMeter and
/// AddSource); docs/observability.md lists every instrument and attribute.</summary>
public static class RpcServerDiagnostics
{
    /// <summary>The server's <see cref="System.Diagnostics.Metrics.Meter"/>: histogram
    /// <c>rpc.server.call.duration</c> (seconds), counters <c>onc_rpc.server.calls</c>,
    /// <c>onc_rpc.server.errors</c> and <c>onc_rpc.server.duplicate_requests</c>.</summary>
    public const string MeterName = "OncRpc.Server";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of server spans (kind Server).</summary>
    public const string ActivitySourceName = "OncRpc.Server";
}
