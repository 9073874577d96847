using HostedLogService.Generated;
using OncRpc.Server;

namespace HostedLogService;

/// <summary>RLOG appends the message, with the caller's address and a timestamp, to the log file
/// and answers 0, or 1 when the file cannot be written (the C reference server's convention).
/// Activated per call from dependency injection; the file is a singleton.</summary>
internal sealed class LogService(FileLog log) : LogV1ServiceBase
{
    public override async ValueTask<int> RlogAsync(string arg, RpcCallContext context) =>
        await log.AppendAsync($"{DateTimeOffset.UtcNow:O} {context.RemoteEndPoint} {arg}", context.CancellationToken).ConfigureAwait(false) ? 0 : 1;
}
