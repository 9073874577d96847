using System.Diagnostics;
using System.Text;

namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>How a finished child process ended, with everything it printed.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError, bool TimedOut)
{
    /// <summary>A multi-line account for assertion messages.</summary>
    public string Describe() =>
        $"{Command}\nexit code {ExitCode}{(TimedOut ? " (killed: timed out)" : "")}\n" +
        $"--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>Runs a child process to completion, always bounded in time: on timeout or
/// cancellation the whole process tree is killed.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                psi.Environment[key] = value;
            }
        }

        var command = Describe(fileName, psi.ArgumentList);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {command}");
        process.StandardInput.Close();
        // Read both pipes concurrently so neither can fill up and stall the child.
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            KillTree(process);
            await WaitBoundedAsync(process);
        }

        var output = await CollectAsync(stdout);
        var error = await CollectAsync(stderr);
        cancellationToken.ThrowIfCancellationRequested();
        return new ProcessResult(command, process.HasExited ? process.ExitCode : -1, output, error, timedOut);
    }

    internal static string Describe(string fileName, IEnumerable<string> arguments)
    {
        var sb = new StringBuilder(fileName);
        foreach (var a in arguments)
        {
            sb.Append(' ');
            sb.Append(a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a);
        }
        return sb.ToString();
    }

    internal static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exited between the check and the kill.
        }
    }

    internal static async Task WaitBoundedAsync(Process process)
    {
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // A process that survives SIGKILL for 10 s is beyond our reach; report what we have.
        }
    }

    private static async Task<string> CollectAsync(Task<string> read)
    {
        try
        {
            return await read.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            return "<output not closed: a grandchild still holds the pipe>";
        }
    }
}
