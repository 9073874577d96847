using Microsoft.Extensions.Logging;

namespace OncRpc.Binding.Internal;

/// <summary>Logs of imported clients, category "OncRpc.Binding", ids 1500-1599.</summary>
internal static partial class BindingLog
{
    [LoggerMessage(1500, LogLevel.Warning, "Instance {InstanceId} at {EndPoint} ejected: {Status}: {Reason}")]
    public static partial void Ejected(ILogger logger, string instanceId, string endPoint, RpcStatus status, string reason);

    [LoggerMessage(1501, LogLevel.Information, "Instance {InstanceId} at {EndPoint} back in rotation")]
    public static partial void Restored(ILogger logger, string instanceId, string endPoint);

    [LoggerMessage(1502, LogLevel.Warning, "Call {Procedure} failed over from instance {InstanceId}: {Status}")]
    public static partial void FailedOver(ILogger logger, string procedure, string instanceId, RpcStatus status);

    [LoggerMessage(1503, LogLevel.Warning, "Watching program {Program} version {Version} failed; keeping the last view, retrying in {Backoff}")]
    public static partial void WatchFailed(ILogger logger, Exception error, uint program, uint version, TimeSpan backoff);
}
