using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Binding;
using OncRpc.Diagnostics;
using OncRpc.Server.Internal;

namespace OncRpc.Server;

/// <summary>
/// An ONC RPC server (RFC 5531) over any mix of TCP, UDP and Unix stream end points, IPv4 and
/// IPv6. Register procedures on <see cref="Dispatcher"/>, declare end points with
/// <c>Listen*</c>, then <see cref="StartAsync"/>; <see cref="StopAsync"/> stops gracefully.
/// See docs/server.md for the call pipeline, limits and the error mapping.
/// </summary>
public sealed partial class RpcServer : IAsyncDisposable
{
    private readonly RpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly List<(RpcTransportKind Transport, EndPoint EndPoint)> _requested = [];
    private readonly Lock _gate = new();
    private readonly HashSet<ServerConnection> _connections = [];
    private readonly List<StreamListener> _streamListeners = [];
    private readonly List<IUdpEndPoint> _udpListeners = [];
    private readonly CancellationTokenSource _listening = new();
    private IReadOnlyList<RpcInstanceEndpoint> _endPoints = [];
    private RpcServerRuntime? _runtime;
    private EpollLoopGroup? _loops;
    private ITimer? _idleTimer;
    private State _state;
    private int _connectionCount;

    private enum State { Created, Started, Stopping, Stopped }

    /// <summary>Creates a server; <paramref name="options"/> are read at <see cref="StartAsync"/>.
    /// Logs go to <paramref name="loggerFactory"/>'s "OncRpc.Server" category (nowhere by default).</summary>
    public RpcServer(RpcServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new RpcServerOptions();
        _logger = loggerFactory?.CreateLogger("OncRpc.Server") ?? NullLogger.Instance;
    }

    /// <summary>The dispatch table: register services here, before or after starting.</summary>
    public RpcDispatcher Dispatcher { get; } = new();

    /// <summary>The bound end points after <see cref="StartAsync"/> (real ports when 0 was asked
    /// for), in the order declared; empty before.</summary>
    public IReadOnlyList<RpcInstanceEndpoint> EndPoints => _endPoints;

    /// <summary>Adds a TCP end point (port 0 picks a free port). Only before starting.</summary>
    public RpcServer ListenTcp(IPEndPoint endPoint) => AddEndPoint(RpcTransportKind.Tcp, endPoint);

    /// <summary>Adds a UDP end point (port 0 picks a free port). Only before starting.</summary>
    public RpcServer ListenUdp(IPEndPoint endPoint) => AddEndPoint(RpcTransportKind.Udp, endPoint);

    /// <summary>Adds a Unix domain stream end point at <paramref name="path"/>; a stale socket file
    /// there (one nobody accepts on) is deleted first, and the file is removed at stop.</summary>
    public RpcServer ListenUnix(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return AddEndPoint(RpcTransportKind.Local, new UnixDomainSocketEndPoint(path));
    }

    /// <summary>Adds a shared-memory end point (netid <c>shm</c>, Linux x86_64): clients connect
    /// to the Unix socket at <paramref name="path"/> (<see cref="Client.RpcClient.ConnectSharedMemoryAsync"/>),
    /// the server checks the peer's uid against <see cref="RpcServerOptions.SharedMemory"/> and
    /// hands it a mapping of two rings made for that connection; calls and replies then go through
    /// the rings. Never registered with rpcbind. Throws <see cref="PlatformNotSupportedException"/>
    /// elsewhere than Linux x86_64. See docs/server.md.</summary>
    public RpcServer ListenSharedMemory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Transport.Internal.ShmLibc.IsSupported)
        {
            throw new PlatformNotSupportedException("the shared-memory transport needs Linux on x86_64");
        }
        return AddEndPoint(RpcTransportKind.SharedMemory, new UnixDomainSocketEndPoint(path));
    }

    private RpcServer AddEndPoint(RpcTransportKind transport, EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        lock (_gate)
        {
            if (_state != State.Created)
            {
                throw new InvalidOperationException("end points must be added before the server starts");
            }
            _requested.Add((transport, endPoint));
        }
        return this;
    }

    /// <summary>Number of open stream connections.</summary>
    internal int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>The open stream connections, a snapshot (for tests: their internal state).</summary>
    internal ServerConnection[] Connections
    {
        get
        {
            lock (_gate)
            {
                return [.. _connections];
            }
        }
    }

    /// <summary>The UDP end points once started (for tests: their internal state).</summary>
    internal IReadOnlyList<IUdpEndPoint> UdpEndPoints => _udpListeners;

    /// <summary>The shared runtime, once started (for tests).</summary>
    internal RpcServerRuntime? Runtime => _runtime;

    /// <summary>What the duplicate-request cache has done; default (all zero) before start or
    /// when the cache is off.</summary>
    public DuplicateRequestCacheStatistics DuplicateRequestCacheStatistics =>
        _runtime?.DuplicateRequests?.Statistics ?? default;

    /// <summary>
    /// Serves calls on a stream socket the caller connected or accepted (TCP or Unix: a socket
    /// handed over by inetd or systemd, one end of a <c>socketpair</c>), as if it had been
    /// accepted on one of the server's end points: same pipeline, limits and idle timeout. The
    /// server owns the socket from then on. Only while the server runs (else
    /// <see cref="InvalidOperationException"/>); <see cref="ArgumentException"/> for a datagram or
    /// unconnected socket. Over <see cref="RpcServerOptions.MaxConnections"/> the socket is closed.
    /// </summary>
    public void ServeConnection(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.SocketType != SocketType.Stream || !socket.Connected)
        {
            throw new ArgumentException("the socket must be a connected stream socket", nameof(socket));
        }
        lock (_gate)
        {
            if (_state != State.Started)
            {
                throw new InvalidOperationException("the server serves connections only while it runs");
            }
        }
        OnAccepted(socket, socket.AddressFamily == AddressFamily.Unix ? RpcTransportKind.Local : RpcTransportKind.Tcp);
    }

    private void OnAccepted(Socket socket, RpcTransportKind transport)
    {
        RpcServerRuntime runtime = _runtime!;
        ServerConnection connection;
        lock (_gate)
        {
            if (_state != State.Started)
            {
                socket.Dispose();
                return;
            }
            if (_connectionCount >= _options.MaxConnections)
            {
                ServerLog.ConnectionLimit(_logger, SafeRemoteEndPoint(socket), _options.MaxConnections);
                socket.LingerState = new LingerOption(true, 0);
                socket.Dispose();
                return;
            }
            try
            {
                if (transport == RpcTransportKind.Tcp)
                {
                    socket.NoDelay = true;
                }
                connection = transport == RpcTransportKind.SharedMemory
                    ? new ShmServerConnection(runtime, socket, OnConnectionClosed)
                    : _loops is { } loops && _options.Tls is null
                        ? new EpollStreamConnection(runtime, loops.Next(), socket, transport, OnConnectionClosed)
                        : new StreamConnection(runtime, socket, transport, OnConnectionClosed);
            }
            catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
            {
                // Reset between accept and setup: nothing to serve.
                socket.Dispose();
                return;
            }
            _connections.Add(connection);
            _connectionCount++;
        }
        ServerLog.ConnectionOpened(_logger, transport, connection.RemoteEndPoint);
        connection.Start();
    }

    private void OnConnectionClosed(ServerConnection connection)
    {
        lock (_gate)
        {
            if (_connections.Remove(connection))
            {
                _connectionCount--;
            }
        }
    }

    private static EndPoint? SafeRemoteEndPoint(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private void CheckIdleConnections(object? state)
    {
        long idle = (long)_options.IdleTimeout.TotalMilliseconds;
        if (_runtime is not { } runtime)
        {
            return; // stopped meanwhile
        }
        long now = runtime.NowMs;
        ServerConnection[] connections;
        lock (_gate)
        {
            connections = [.. _connections];
        }
        foreach (ServerConnection connection in connections)
        {
            connection.CheckIdle(now, idle);
        }
    }
}
