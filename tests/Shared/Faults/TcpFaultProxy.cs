using System.Net;
using System.Net.Sockets;

namespace OncRpc.Testing.Faults;

/// <summary>The cut points drawn for one connection (null: not cut in that direction).</summary>
public sealed record TcpCutPlan(int Connection, long? RequestBytes, long? ReplyBytes);

/// <summary>
/// A TCP proxy on loopback that forwards each accepted connection to one server, and can cut
/// connections after a number of bytes (exact, or drawn per connection from the seed), cut every
/// open connection at once, and partition one direction (bytes stop, the connection stays open)
/// until healed. Thread-safe; bounded (connections, one buffer per direction);
/// <see cref="DisposeAsync"/> closes every socket and ends every loop.
/// </summary>
/// <example><code>
/// await using var proxy = TcpFaultProxy.Start(server, new TcpFaultProxyOptions
/// {
///     Seed = 7,
///     CutRequests = TcpCut.AboutEveryCalls(100, bytesPerCall: 80),
/// });
/// proxy.Partition(FaultDirection.Replies); ... proxy.Heal(FaultDirection.Replies);
/// </code></example>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private const int MaxPlansKept = 10_000;
    private static readonly TimeSpan s_disposeBound = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly Lock _lock = new();
    private readonly HashSet<TcpProxyConnection> _connections = [];
    private readonly List<TcpCutPlan> _plans = [];
    private readonly TcpCounterSet _counters = new();
    private readonly PartitionGate _requestGate = new();
    private readonly PartitionGate _replyGate = new();
    private readonly ChangeSignal _changed = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _nextConnection;
    private int _cuts;
    private int _openSockets;
    private bool _disposed;

    private TcpFaultProxy(IPEndPoint target, TcpFaultProxyOptions options)
    {
        Target = target;
        Options = options;
        _listener = OpenSocket();
        try
        {
            _listener.Bind(new IPEndPoint(UdpFaultProxy.Loopback(target.AddressFamily), 0));
            _listener.Listen(128);
        }
        catch
        {
            CloseSocket(_listener);
            throw;
        }
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    /// <summary>Starts a proxy toward <paramref name="target"/> on an ephemeral loopback port.</summary>
    public static TcpFaultProxy Start(IPEndPoint target, TcpFaultProxyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        options ??= new TcpFaultProxyOptions();
        options.Validate();
        var proxy = new TcpFaultProxy(target, options);
        proxy._acceptLoop = proxy.AcceptAsync(proxy._stop.Token);
        return proxy;
    }

    /// <summary>Where clients connect: the proxy's loopback address and port.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The server each connection is forwarded to.</summary>
    public IPEndPoint Target { get; }

    public TcpFaultProxyOptions Options { get; }

    public TcpCounters Counters => _counters.Snapshot();

    /// <summary>Sockets the proxy has open: 0 once disposed.</summary>
    public int OpenSockets => Volatile.Read(ref _openSockets);

    /// <summary>The cut points drawn per connection, in order of acceptance (the first 10 000).</summary>
    public IReadOnlyList<TcpCutPlan> CutPlans
    {
        get
        {
            lock (_lock)
            {
                return [.. _plans];
            }
        }
    }

    /// <summary>Stops forwarding <paramref name="direction"/> on every connection, present and
    /// future, keeping the connections open.</summary>
    public void Partition(FaultDirection direction) => Gate(direction).Partition();

    /// <summary>Resumes <paramref name="direction"/>: held bytes go through in order.</summary>
    public void Heal(FaultDirection direction) => Gate(direction).Heal();

    /// <summary>Resumes both directions.</summary>
    public void Heal()
    {
        _requestGate.Heal();
        _replyGate.Heal();
    }

    public bool IsPartitioned(FaultDirection direction) => Gate(direction).IsPartitioned;

    /// <summary>Cuts every open connection now (as a crash of the network path would); returns how many.</summary>
    public int CutAll()
    {
        TcpProxyConnection[] open;
        lock (_lock)
        {
            open = [.. _connections];
        }
        foreach (var connection in open)
        {
            connection.Cut();
        }
        return open.Length;
    }

    /// <summary>Waits, at most <paramref name="timeout"/>, until <paramref name="condition"/> holds
    /// (re-checked whenever bytes are forwarded or a connection opens or closes).</summary>
    public Task WaitUntilAsync(Func<TcpFaultProxy, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _changed.WaitUntilAsync(() => condition(this), timeout, () => Counters.ToString(), cancellationToken);

    internal PartitionGate Gate(FaultDirection direction) =>
        direction == FaultDirection.Requests ? _requestGate : _replyGate;

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _openSockets);
            client.NoDelay = true;
            _counters.Accepted();
            TcpProxyConnection? connection = null;
            lock (_lock)
            {
                if (!_disposed && _connections.Count < Options.MaxConnections)
                {
                    connection = new TcpProxyConnection(this, client, DrawPlan(_nextConnection++), cancellationToken);
                    _connections.Add(connection);
                    _counters.Opened();
                }
            }
            if (connection is null)
            {
                CountRejected();
                CloseSocket(client);
                continue;
            }
            _changed.Pulse();
            connection.Start();
        }
    }

    // Called under _lock, in order of acceptance: one Random per direction and connection.
    private TcpCutPlan DrawPlan(int index)
    {
        long? requests = Options.CutRequests?.Draw(new Random(FaultSeed.Derive(Options.Seed, FaultDirection.Requests, index)));
        long? replies = Options.CutReplies?.Draw(new Random(FaultSeed.Derive(Options.Seed, FaultDirection.Replies, index)));
        var plan = new TcpCutPlan(index, requests, replies);
        if (_plans.Count < MaxPlansKept)
        {
            _plans.Add(plan);
        }
        return plan;
    }

    internal bool TryTakeCut()
    {
        if (Options.MaxCuts is not { } max)
        {
            return true;
        }
        while (true)
        {
            int taken = Volatile.Read(ref _cuts);
            if (taken >= max)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _cuts, taken + 1, taken) == taken)
            {
                return true;
            }
        }
    }

    internal void CountForwarded(FaultDirection direction, int bytes)
    {
        _counters.Forwarded(direction, bytes);
        _changed.Pulse();
    }

    internal void CountCut() => _counters.CutOne();

    internal void CountRejected()
    {
        _counters.Rejected();
        _changed.Pulse();
    }

    internal void ConnectionClosed()
    {
        _counters.Closed();
        _changed.Pulse();
    }

    /// <summary>The connection's loops have ended (it was closed before).</summary>
    internal void ConnectionEnded(TcpProxyConnection connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
        }
        _changed.Pulse();
    }

    internal Socket OpenSocket()
    {
        var socket = new Socket(Target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        Interlocked.Increment(ref _openSockets);
        return socket;
    }

    internal void CloseSocket(Socket socket)
    {
        socket.Dispose();
        Interlocked.Decrement(ref _openSockets);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        _stop.Cancel();
        CloseSocket(_listener);
        try
        {
            // The accept loop first, so no connection starts after the snapshot below. Bounded,
            // so a test never hangs in its cleanup.
            await _acceptLoop.WaitAsync(s_disposeBound).ConfigureAwait(false);
            TcpProxyConnection[] running;
            lock (_lock)
            {
                running = [.. _connections];
            }
            foreach (var connection in running)
            {
                connection.Abort();
            }
            await Task.WhenAll(running.Select(c => c.Completion)).WaitAsync(s_disposeBound).ConfigureAwait(false);
        }
        finally
        {
            _stop.Dispose();
            _changed.Pulse();
        }
    }
}
