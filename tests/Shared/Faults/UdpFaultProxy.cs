using System.Net;
using System.Net.Sockets;

namespace OncRpc.Testing.Faults;

/// <summary>
/// A UDP proxy on loopback that forwards datagrams between clients and one server, dropping,
/// duplicating, delaying and reordering them per direction from a seed, so a failing run can
/// be replayed. Each client address gets its own socket toward the server, so replies find their
/// client. Thread-safe; bounded (clients, held datagrams, decision log); <see cref="DisposeAsync"/>
/// ends every loop and timer and closes every socket.
/// </summary>
/// <example><code>
/// await using var proxy = UdpFaultProxy.Start(server, new UdpFaultProxyOptions
/// {
///     Seed = 1234,
///     Requests = new UdpFaults { Drop = 0.3, Duplicate = 0.1, Reorder = 0.1 },
///     Replies = new UdpFaults { Drop = 0.3 },
/// });
/// var client = RpcClient.CreateUdp(proxy.EndPoint, ...);
/// </code></example>
public sealed class UdpFaultProxy : IAsyncDisposable
{
    /// <summary>The largest UDP payload.</summary>
    internal const int MaxDatagram = 65_535;

    private static readonly TimeSpan s_disposeBound = TimeSpan.FromSeconds(10);

    private readonly UdpFaultProxyOptions _options;
    private readonly Socket _listener;
    private readonly Lock _lock = new();
    private readonly Dictionary<EndPoint, UdpSession> _sessions = [];
    private readonly UdpCounterSet _requestCounters = new();
    private readonly UdpCounterSet _replyCounters = new();
    private readonly DecisionLog _requestLog;
    private readonly DecisionLog _replyLog;
    private readonly HeldDatagrams _held;
    private readonly ChangeSignal _changed = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _requestLoop = Task.CompletedTask;
    private int _openSockets;
    private int _disposed;

    private UdpFaultProxy(IPEndPoint target, UdpFaultProxyOptions options)
    {
        Target = target;
        _options = options;
        _requestLog = new DecisionLog(options.DecisionLogCapacity);
        _replyLog = new DecisionLog(options.DecisionLogCapacity);
        _held = new HeldDatagrams(options.TimeProvider, options.MaxHeldDatagrams);
        _listener = OpenSocket(target.AddressFamily);
        try
        {
            _listener.Bind(new IPEndPoint(Loopback(target.AddressFamily), 0));
        }
        catch
        {
            CloseSocket(_listener);
            throw;
        }
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    /// <summary>Starts a proxy toward <paramref name="target"/> on an ephemeral loopback port.</summary>
    public static UdpFaultProxy Start(IPEndPoint target, UdpFaultProxyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        options ??= new UdpFaultProxyOptions();
        options.Validate();
        var proxy = new UdpFaultProxy(target, options);
        proxy._requestLoop = proxy.ReceiveRequestsAsync(proxy._stop.Token);
        return proxy;
    }

    /// <summary>Where clients send: the proxy's loopback address and port.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The server datagrams are forwarded to.</summary>
    public IPEndPoint Target { get; }

    public UdpFaultProxyOptions Options => _options;

    /// <summary>What was done to client-to-server datagrams so far.</summary>
    public UdpCounters Requests => _requestCounters.Snapshot();

    /// <summary>What was done to server-to-client datagrams so far.</summary>
    public UdpCounters Replies => _replyCounters.Snapshot();

    /// <summary>Client addresses seen (each with its socket toward the server).</summary>
    public int Clients
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Datagrams held back right now (delayed or waiting to be reordered).</summary>
    public int HeldDatagrams => _held.Count;

    /// <summary>Sockets the proxy has open: 0 once disposed.</summary>
    public int OpenSockets => Volatile.Read(ref _openSockets);

    /// <summary>The decisions drawn in one direction, in order per client (see
    /// <see cref="FaultDecision"/>), up to <see cref="UdpFaultProxyOptions.DecisionLogCapacity"/>.</summary>
    public IReadOnlyList<FaultDecision> Decisions(FaultDirection direction) =>
        (direction == FaultDirection.Requests ? _requestLog : _replyLog).Snapshot();

    /// <summary>Waits, at most <paramref name="timeout"/>, until <paramref name="condition"/> holds
    /// (re-checked after every datagram the proxy handles).</summary>
    public Task WaitUntilAsync(Func<UdpFaultProxy, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        _changed.WaitUntilAsync(() => condition(this), timeout,
            () => $"requests {Requests}, replies {Replies}, held {HeldDatagrams}", cancellationToken);

    private async Task ReceiveRequestsAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxDatagram];
        EndPoint any = new IPEndPoint(Loopback(Target.AddressFamily), 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _listener.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                continue; // an ICMP error about an earlier reply to a client that went away
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            var session = FindOrAddSession(received.RemoteEndPoint, cancellationToken);
            if (session is null)
            {
                _requestCounters.RejectedClient();
                _requestCounters.Received(); // last, as for every datagram
                _changed.Pulse();
                continue;
            }
            session.Requests.Process(buffer.AsSpan(0, received.ReceivedBytes));
        }
    }

    private UdpSession? FindOrAddSession(EndPoint client, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_sessions.TryGetValue(client, out var existing))
            {
                return existing;
            }
            if (_sessions.Count >= _options.MaxClients || _disposed != 0)
            {
                return null;
            }
        }
        var index = Clients;
        var socket = OpenSocket(Target.AddressFamily);
        try
        {
            socket.Bind(new IPEndPoint(Loopback(Target.AddressFamily), 0));
            socket.Connect(Target);
        }
        catch (SocketException)
        {
            CloseSocket(socket);
            return null;
        }
        var session = new UdpSession(index, client, socket,
            NewLane(index, FaultDirection.Requests, d => socket.Send(d)),
            NewLane(index, FaultDirection.Replies, d => _listener.SendTo(d, SocketFlags.None, client)));
        lock (_lock)
        {
            if (_disposed != 0)
            {
                CloseSocket(socket);
                return null;
            }
            // Only the request loop adds sessions, so the index read above is still the count.
            _sessions.Add(client, session);
        }
        session.Start(cancellationToken);
        return session;
    }

    private UdpLane NewLane(int client, FaultDirection direction, DatagramSender send)
    {
        var requests = direction == FaultDirection.Requests;
        return new UdpLane(
            client, FaultSeed.Derive(_options.Seed, direction, client),
            requests ? _options.Requests : _options.Replies,
            requests ? _requestCounters : _replyCounters,
            requests ? _requestLog : _replyLog,
            _held, _options.ReorderHoldLimit, send, _changed);
    }

    private Socket OpenSocket(AddressFamily family)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        Interlocked.Increment(ref _openSockets);
        return socket;
    }

    private void CloseSocket(Socket socket)
    {
        socket.Dispose();
        Interlocked.Decrement(ref _openSockets);
    }

    internal static IPAddress Loopback(AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stop.Cancel();
        _held.Close();
        UdpSession[] sessions;
        lock (_lock)
        {
            sessions = [.. _sessions.Values];
            _sessions.Clear();
        }
        CloseSocket(_listener);
        foreach (var session in sessions)
        {
            session.Dispose();
            Interlocked.Decrement(ref _openSockets);
        }
        // The loops end on the cancellation or on their closed sockets; bounded all the same so
        // a test never hangs in its cleanup.
        Task[] loops = [_requestLoop, .. sessions.Select(s => s.ReplyLoop)];
        try
        {
            await Task.WhenAll(loops).WaitAsync(s_disposeBound).ConfigureAwait(false);
        }
        finally
        {
            _stop.Dispose();
            _changed.Pulse();
        }
    }
}
