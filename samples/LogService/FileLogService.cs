using LogService.Generated;
using OncRpc.Server;

namespace LogService;

/// <summary>The server side of LOG_PROG version 1: RLOG appends the message, with the caller's
/// address and a timestamp, to a log file and answers 0, or 1 when the file cannot be written
/// (the same convention as the C reference server).</summary>
internal sealed class FileLogService(string path) : LogV1ServiceBase
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path { get; } = path;

    public override async ValueTask<int> RlogAsync(string arg, RpcCallContext context)
    {
        string line = $"{DateTimeOffset.UtcNow:O} {context.RemoteEndPoint} {arg}{Environment.NewLine}";
        await _gate.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        try
        {
            await File.AppendAllTextAsync(Path, line, context.CancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (IOException)
        {
            return 1;
        }
        catch (UnauthorizedAccessException)
        {
            return 1;
        }
        finally
        {
            _gate.Release();
        }
    }
}
