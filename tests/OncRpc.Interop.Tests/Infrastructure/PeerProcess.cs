using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>
/// A long-running peer (a C server) started for one test: waits, bounded, for the
/// <c>READY &lt;tcpport&gt; &lt;udpport&gt;</c> line, exposes the ports, keeps everything it prints
/// for assertion messages, and on dispose stops it (SIGTERM, so rpcbind registrations are
/// removed, then SIGKILL of the whole tree).
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<(int Tcp, int Udp)> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;
    private int _pid;
    private int? _exitCode;
    private Func<string, (int Tcp, int Udp)?> _readyLine = ParseReady;

    private PeerProcess(Process process, string command)
    {
        _process = process;
        Command = command;
    }

    /// <summary>The command line, for messages.</summary>
    public string Command { get; }

    public int ProcessId => _pid;

    /// <summary>The TCP port from the READY line; 0 when the peer serves no TCP.</summary>
    public int TcpPort { get; private set; }

    /// <summary>The UDP port from the READY line; 0 when the peer serves no UDP.</summary>
    public int UdpPort { get; private set; }

    public IPEndPoint TcpEndPoint => new(IPAddress.Loopback, TcpPort);

    public IPEndPoint UdpEndPoint => new(IPAddress.Loopback, UdpPort);

    public bool HasExited => _disposed != 0 || _process.HasExited;

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>A multi-line account for assertion messages.</summary>
    public string Describe() =>
        $"{Command} (pid {_pid}{ExitDescription()})\n" +
        $"--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";

    private string ExitDescription()
    {
        if (_exitCode is { } code)
        {
            return $", exited {code}";
        }
        try
        {
            return _disposed == 0 && _process.HasExited ? $", exited {_process.ExitCode}" : "";
        }
        catch (InvalidOperationException)
        {
            return "";
        }
    }

    /// <summary>Starts the peer and waits up to <paramref name="readyTimeout"/> (default 10 s)
    /// for READY. Throws, with the peer's output, if it exits or stays silent.</summary>
    public static async Task<PeerProcess> StartAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan? readyTimeout = null,
        CancellationToken cancellationToken = default, Func<string, (int Tcp, int Udp)?>? readyLine = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        var process = new Process { StartInfo = psi };
        var peer = new PeerProcess(process, ProcessRunner.Describe(fileName, psi.ArgumentList)) { _readyLine = readyLine ?? ParseReady };
        process.OutputDataReceived += (_, e) => peer.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (peer._stderr)
                {
                    peer._stderr.AppendLine(e.Data);
                }
            }
        };
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"could not start {peer.Command}");
        }
        peer._pid = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            var (tcp, udp) = await peer._ready.Task.WaitAsync(readyTimeout ?? DefaultReadyTimeout, cancellationToken);
            peer.TcpPort = tcp;
            peer.UdpPort = udp;
            return peer;
        }
        catch (TimeoutException)
        {
            await peer.DisposeAsync();
            throw new TimeoutException($"no READY line within {(readyTimeout ?? DefaultReadyTimeout).TotalSeconds} s:\n{peer.Describe()}");
        }
        catch (InvalidOperationException)
        {
            await peer.DisposeAsync();
            throw new InvalidOperationException($"the peer exited before READY:\n{peer.Describe()}");
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            // stdout closed: the process is gone. Harmless once READY was seen.
            _ready.TrySetException(new InvalidOperationException("stdout closed before READY"));
            return;
        }
        lock (_stdout)
        {
            _stdout.AppendLine(line);
        }
        if (_readyLine(line) is { } ports)
        {
            _ready.TrySetResult(ports);
        }
    }

    /// <summary>The C peers' ready line: <c>READY tcpport udpport</c>.</summary>
    private static (int Tcp, int Udp)? ParseReady(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 3 && parts[0] == "READY"
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var tcp)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var udp)
            ? (tcp, udp)
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                // SIGTERM first: the C servers leave their loop and unset rpcbind registrations.
                await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)],
                    TimeSpan.FromSeconds(5));
                try
                {
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(3));
                }
                catch (TimeoutException)
                {
                    ProcessRunner.KillTree(_process);
                }
            }
            // Also drains the redirected output, so Describe() shows the last stderr lines.
            await ProcessRunner.WaitBoundedAsync(_process);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        finally
        {
            try
            {
                if (_process.HasExited)
                {
                    _exitCode = _process.ExitCode;
                }
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }
    }
}
