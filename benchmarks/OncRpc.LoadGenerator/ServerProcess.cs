using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OncRpc.LoadGenerator;

/// <summary>Our bench server as a child process (<c>serve</c> mode), optionally pinned with
/// taskset, so client and server CPU time and allocations are measured apart.</summary>
internal sealed class ServerProcess
{
    private readonly Process _process;
    private readonly string? _unixPath;

    private ServerProcess(Process process, EndPoint endPoint, string? unixPath)
    {
        _process = process;
        EndPoint = endPoint;
        _unixPath = unixPath;
    }

    public EndPoint EndPoint { get; }

    public static async Task<ServerProcess> StartAsync(LoadOptions options, string[] selfPrefix, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true };
        var command = BenchCli.SelfCommand(selfPrefix);
        if (options.ServerCpus is { } cpus)
        {
            command.InsertRange(0, ["taskset", "-c", cpus]);
        }
        start.FileName = command[0];
        foreach (string part in command.Skip(1))
        {
            start.ArgumentList.Add(part);
        }
        string? unixPath = options.Transport is "unix" or "shm"
            ? Path.Combine(Path.GetTempPath(), $"oncrpc-bench-{Environment.ProcessId}.sock")
            : null;
        double lifetime = (options.Warmup + options.Duration + options.CallTimeout).TotalSeconds + 120;
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        start.ArgumentList.Add("--transport");
        start.ArgumentList.Add(options.Transport is "unix" or "shm" ? "none" : options.Transport);
        if (unixPath is not null)
        {
            start.ArgumentList.Add(options.Transport == "shm" ? "--shm" : "--unix");
            start.ArgumentList.Add(unixPath);
        }
        if (options.AtMostOnce)
        {
            start.ArgumentList.Add("--semantics");
            start.ArgumentList.Add("at-most-once");
        }
        if (options.Tls)
        {
            start.ArgumentList.Add("--tls");
        }
        start.ArgumentList.Add("--telemetry");
        start.ArgumentList.Add(options.Telemetry);
        start.ArgumentList.Add("--lifetime");
        start.ArgumentList.Add(lifetime.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--exit-on-stdin-eof");
        start.Environment.Remove("ONCRPC_BENCH_PINNED");
        Process process = Process.Start(start) ?? throw new InvalidOperationException("the server did not start");
        try
        {
            using var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ready.CancelAfter(TimeSpan.FromSeconds(30));
            while (true)
            {
                string? line = await process.StandardOutput.ReadLineAsync(ready.Token).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("the server exited before READY");
                if (line.StartsWith("READY ", StringComparison.Ordinal))
                {
                    string[] ports = line.Split(' ');
                    int port = int.Parse(ports[options.Transport == "udp" ? 2 : 1], CultureInfo.InvariantCulture);
                    EndPoint endPoint = unixPath is not null ? new UnixDomainSocketEndPoint(unixPath) : new IPEndPoint(IPAddress.Loopback, port);
                    return new ServerProcess(process, endPoint, unixPath);
                }
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Closes the server's stdin (it exits), returns what it printed last; kills it if it lingers.</summary>
    public async Task<string> StopAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            string rest = await _process.StandardOutput.ReadToEndAsync(bound.Token).ConfigureAwait(false);
            await _process.WaitForExitAsync(bound.Token).ConfigureAwait(false);
            return rest;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            return "server killed after 10 s";
        }
        finally
        {
            _process.Dispose();
            if (_unixPath is not null)
            {
                File.Delete(_unixPath);
            }
        }
    }
}
