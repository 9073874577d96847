namespace OncRpc.Diagnostics;

/// <summary>Names to subscribe to the server's telemetry (e.g. OpenTelemetry's AddMeter and
/// AddSource); docs/observability.md lists every instrument and attribute.</summary>
public static class RpcServerDiagnostics
{
    /// <summary>The server's <see cref="System.Diagnostics.Metrics.Meter"/>: histogram
    /// <c>rpc.server.call.duration</c> (seconds), counters <c>onc_rpc.server.calls</c>,
    /// <c>onc_rpc.server.errors</c> and <c>onc_rpc.server.duplicate_requests</c>.</summary>
    public const string MeterName = "OncRpc.Server";

    /// <summary>The meter of phase timing: histogram <c>onc_rpc.server.call.phase.duration</c>
    /// (seconds, tagged <c>onc_rpc.phase</c>). Separate from <see cref="MeterName"/> because it
    /// costs a clock read per phase: a call is timed only while something listens to it.</summary>
    public const string PhasesMeterName = "OncRpc.Server.Phases";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of server spans (kind Server).</summary>
    public const string ActivitySourceName = "OncRpc.Server";
}
