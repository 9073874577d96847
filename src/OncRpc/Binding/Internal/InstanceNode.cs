using System.Net;
using OncRpc.Client;
using OncRpc.Client.Internal;

namespace OncRpc.Binding.Internal;

/// <summary>
/// One instance as an imported client sees it: its connection (made on first use, dropped on
/// failure so the next use connects afresh and a connect failure proves nothing was sent), its
/// calls outstanding and its health.
/// </summary>
internal sealed class InstanceNode(RpcInstance instance, EndPoint endPoint, RpcTransportKind transport, RpcClientOptions options)
{
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private RpcClient? _client;
    private int _outstanding;
    private volatile bool _ejected;
    private long _ejectedAt;

    private RpcInstance _instance = instance;

    /// <summary>The instance as last described by the registry (replaced when its metadata changes).</summary>
    public RpcInstance Instance
    {
        get => Volatile.Read(ref _instance);
        set => Volatile.Write(ref _instance, value);
    }

    public EndPoint EndPoint { get; } = endPoint;

    public int Outstanding => Volatile.Read(ref _outstanding);

    public bool Ejected => _ejected;

    public long EjectedAt => Volatile.Read(ref _ejectedAt);

    public long Calls;

    public long Failures;

    /// <summary>Health probes in a row that got no answer in time.</summary>
    public int ProbeTimeouts;

    /// <summary>The open client, or null when none is made yet (or it was dropped).</summary>
    public RpcClient? Client => Volatile.Read(ref _client);

    public async ValueTask<RpcClient> ConnectAsync(CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _client ??= transport == RpcTransportKind.Udp
                ? new UdpRpcClient((IPEndPoint)EndPoint, options)
                : await StreamRpcClient.ConnectAsync(EndPoint, transport, options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>The blocking twin of <see cref="ConnectAsync"/>, for synchronous calls.</summary>
    public RpcClient Connect(CancellationToken cancellationToken)
    {
        _connectGate.Wait(cancellationToken);
        try
        {
            return _client ??= transport == RpcTransportKind.Udp
                ? new UdpRpcClient((IPEndPoint)EndPoint, options)
                : StreamRpcClient.Connect(EndPoint, transport, options, cancellationToken);
        }
        finally
        {
            _connectGate.Release();
        }
    }

    public void Enter() => Interlocked.Increment(ref _outstanding);

    public void Leave() => Interlocked.Decrement(ref _outstanding);

    /// <summary>Takes the instance out of rotation and drops its connection; true when it was in.</summary>
    public bool Eject(long nowTimestamp)
    {
        Interlocked.Increment(ref Failures);
        Volatile.Write(ref _ejectedAt, nowTimestamp);
        bool wasIn = !_ejected;
        _ejected = true;
        DropClient();
        return wasIn;
    }

    /// <summary>Back in rotation; true when it was out.</summary>
    public bool Restore()
    {
        bool wasOut = _ejected;
        _ejected = false;
        return wasOut;
    }

    public void DropClient()
    {
        if (Interlocked.Exchange(ref _client, null) is { } client)
        {
            // Calls still running on it fail with ConnectionLost and are handled by their callers.
            _ = client.DisposeAsync().AsTask();
        }
    }
}
