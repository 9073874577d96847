using Microsoft.Extensions.Configuration;

namespace HostedLogService;

/// <summary>The log file, shared by every call: one writer at a time.</summary>
internal sealed class FileLog(IConfiguration configuration)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path { get; } = System.IO.Path.GetFullPath(configuration["LogService:Path"] ?? "log.txt");

    /// <summary>Appends one line; false when the file cannot be written.</summary>
    public async Task<bool> AppendAsync(string line, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await File.AppendAllTextAsync(Path, line + Environment.NewLine, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }
}
