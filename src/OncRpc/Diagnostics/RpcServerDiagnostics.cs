namespace OncRpc.Diagnostics;

/// <summary>Names to subscribe to the server's telemetry (e.g. OpenTelemetry's AddMeter and
/// AddSource).</summary>
public static class RpcServerDiagnostics
{
    /// <summary>The server's <see cref="System.Diagnostics.Metrics.Meter"/>: counters
    /// <c>oncrpc.server.calls</c> and <c>oncrpc.server.errors</c>, histogram
    /// <c>rpc.server.call.duration</c> (seconds).</summary>
    public const string MeterName = "OncRpc.Server";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> of server (and client) spans.</summary>
    public const string ActivitySourceName = "OncRpc";
}
