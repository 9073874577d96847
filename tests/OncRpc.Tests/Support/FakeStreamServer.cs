using System.Net;
using System.Net.Sockets;

namespace OncRpc.Tests.Support;

/// <summary>A scriptable stream server on loopback TCP or a Unix socket, for the client under
/// test: the test accepts its connections as <see cref="FakePeer"/>s, reads its calls and writes
/// whatever bytes it likes.</summary>
internal sealed class FakeStreamServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string? _unixPath;
    private readonly List<FakePeer> _peers = [];

    public FakeStreamServer(AddressFamily family = AddressFamily.InterNetwork)
    {
        _listener = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        _listener.Listen(16);
        EndPoint = _listener.LocalEndPoint!;
    }

    private FakeStreamServer(string unixPath)
    {
        _unixPath = unixPath;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        EndPoint = new UnixDomainSocketEndPoint(unixPath);
        _listener.Bind(EndPoint);
        _listener.Listen(16);
    }

    /// <summary>A server on a fresh Unix socket path (removed on dispose).</summary>
    public static FakeStreamServer Unix() =>
        new(Path.Combine(Path.GetTempPath(), $"oncrpc-fake-{Guid.NewGuid():N}.sock"));

    public EndPoint EndPoint { get; }

    /// <summary>The Unix socket path; null over TCP.</summary>
    public string? UnixPath => _unixPath;

    public async Task<FakePeer> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(FakePeer.DefaultTimeout);
        Socket socket = await _listener.AcceptAsync(timeout.Token);
        var peer = FakePeer.Accepted(socket);
        lock (_peers)
        {
            _peers.Add(peer);
        }
        return peer;
    }

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        lock (_peers)
        {
            foreach (FakePeer peer in _peers)
            {
                peer.Dispose();
            }
        }
        if (_unixPath is not null)
        {
            File.Delete(_unixPath);
        }
        return ValueTask.CompletedTask;
    }
}
