using Microsoft.Extensions.Logging;

namespace OncRpc.Etcd;

/// <summary>Logs of the etcd backend, ids 1600-1699.</summary>
internal static partial class EtcdLog
{
    [LoggerMessage(1600, LogLevel.Warning, "etcd keep-alive of lease {LeaseId} failed: {Reason}; exporting again in {Backoff}")]
    public static partial void KeepAliveFailed(ILogger logger, long leaseId, string reason, TimeSpan backoff);

    [LoggerMessage(1601, LogLevel.Information, "{Count} instances exported to etcd again under lease {LeaseId}")]
    public static partial void Reexported(ILogger logger, int count, long leaseId);

    [LoggerMessage(1602, LogLevel.Warning, "revoking etcd lease {LeaseId} failed: {Reason}; its keys go when it expires")]
    public static partial void WithdrawFailed(ILogger logger, long leaseId, string reason);
}
