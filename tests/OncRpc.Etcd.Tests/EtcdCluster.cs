using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OncRpc.Etcd.Tests;

/// <summary>
/// A real etcd cluster (Debian's etcd-server, 3.4) started by the test on loopback ports, data in
/// a temporary directory; members can be killed and started again. Skips when etcd is missing,
/// fails instead when ONCRPC_REQUIRE_PEERS=1 (CI).
/// </summary>
internal sealed class EtcdCluster : IAsyncDisposable
{
    private static readonly TimeSpan s_ready = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("oncrpc-etcd-").FullName;
    private readonly Process?[] _members;
    private readonly int[] _clientPorts;
    private readonly int[] _peerPorts;
    private readonly string _binary;

    private EtcdCluster(string binary, int size)
    {
        _binary = binary;
        _members = new Process?[size];
        _clientPorts = [.. Enumerable.Range(0, size).Select(_ => FreePort())];
        _peerPorts = [.. Enumerable.Range(0, size).Select(_ => FreePort())];
    }

    /// <summary>"http://127.0.0.1:a,http://127.0.0.1:b,..." for every member.</summary>
    public string ConnectionString => string.Join(',', _clientPorts.Select(p => $"http://127.0.0.1:{p}"));

    public static async Task<EtcdCluster> StartAsync(int size, CancellationToken cancellationToken)
    {
        string? binary = new[] { "/usr/bin/etcd", "/usr/local/bin/etcd" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            const string message = "etcd is not installed (Debian: apt-get install etcd-server)";
            if (Environment.GetEnvironmentVariable("ONCRPC_REQUIRE_PEERS") == "1")
            {
                Assert.Fail($"{message} (ONCRPC_REQUIRE_PEERS=1, so this fails instead of skipping)");
            }
            Assert.Skip($"{message} (set ONCRPC_REQUIRE_PEERS=1 to make this a failure)");
        }
        var cluster = new EtcdCluster(binary, size);
        for (int i = 0; i < size; i++)
        {
            cluster.Start(i);
        }
        await cluster.WaitReadyAsync(cancellationToken);
        return cluster;
    }

    public void Start(int member)
    {
        string cluster = string.Join(',', _peerPorts.Select((p, i) => $"m{i}=http://127.0.0.1:{p}"));
        var info = new ProcessStartInfo(_binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "--name", $"m{member}", "--data-dir", Path.Combine(_directory, $"m{member}"),
            "--listen-client-urls", $"http://127.0.0.1:{_clientPorts[member]}",
            "--advertise-client-urls", $"http://127.0.0.1:{_clientPorts[member]}",
            "--listen-peer-urls", $"http://127.0.0.1:{_peerPorts[member]}",
            "--initial-advertise-peer-urls", $"http://127.0.0.1:{_peerPorts[member]}",
            "--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", "oncrpc-test",
            "--heartbeat-interval", "50", "--election-timeout", "500",
        })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        // Drained so a chatty member never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _members[member] = process;
    }

    /// <summary>SIGKILLs one member.</summary>
    public async Task KillAsync(int member)
    {
        if (_members[member] is { } process)
        {
            _members[member] = null;
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            process.Dispose();
        }
    }

    /// <summary>Waits until a read through the whole connection string succeeds.</summary>
    public async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(s_ready);
        var resolver = new EtcdResolver(ConnectionString) { RequestTimeout = TimeSpan.FromSeconds(1) };
        while (true)
        {
            try
            {
                await resolver.ListAsync(cancellationToken: bound.Token);
                return;
            }
            catch (Exception) when (!bound.IsCancellationRequested)
            {
                await Task.Delay(50, bound.Token);
            }
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = 0; i < _members.Length; i++)
        {
            await KillAsync(i);
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
