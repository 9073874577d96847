using OncRpc.Auth;
using OncRpc.Binding;
using OncRpc.Transport;
using OncRpc.Xdr;

namespace OncRpc.Server;

/// <summary>Limits and policies of an <see cref="RpcServer"/>. Read once at
/// <see cref="RpcServer.StartAsync"/>; changing them afterwards has no effect.</summary>
public sealed class RpcServerOptions
{
    /// <summary>Largest call record accepted on stream transports, all fragments together. A
    /// larger record closes the connection: the stream cannot be resynchronised.</summary>
    public int MaxRecordSize { get; set; } = RecordMarking.DefaultMaxRecordSize;

    /// <summary>Calls of one connection that may run at once. At the limit the server stops
    /// reading from that connection (TCP flow control pushes back on the client); nothing is
    /// queued without bound.</summary>
    public int MaxConcurrentCallsPerConnection { get; set; } = 64;

    /// <summary>Stream connections (TCP and Unix together) open at once; a connection accepted
    /// beyond the limit is closed at once.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>A stream connection with no call in flight and nothing received for this long is
    /// closed; so is one whose reply has been stuck in the socket this long.
    /// <see cref="Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Largest UDP datagram received or sent (65507 is the IPv4 maximum payload).
    /// Larger datagrams are dropped; a reply that would exceed it becomes SYSTEM_ERR.</summary>
    public int MaxUdpDatagramSize { get; set; } = 65507;

    /// <summary>UDP calls that may run at once, per UDP end point; at the limit the server stops
    /// receiving and the kernel drops what overflows its buffer.</summary>
    public int MaxConcurrentUdpCalls { get; set; } = 256;

    /// <summary>Decides per call whether the credentials may call; null allows every call whose
    /// credentials are well formed.</summary>
    public AuthPolicy? AuthPolicy { get; set; }

    /// <summary>RPC-with-TLS (RFC 9289) for TCP and Unix connections: the AUTH_TLS probe is
    /// answered STARTTLS and the connection continues inside TLS 1.3; per-program policy in
    /// <see cref="Transport.RpcServerTlsOptions.ProgramPolicies"/>. Null (the default): the probe
    /// is answered AUTH_BADCRED, as before. TLS connections are served by the socket engine
    /// (SslStream), even when epoll loops serve the plain ones.</summary>
    public Transport.RpcServerTlsOptions? Tls { get; set; }

    /// <summary>Shared-memory end points: ring size and which user ids may connect (by default
    /// only the server's own).</summary>
    public Transport.RpcSharedMemoryOptions SharedMemory { get; } = new();

    /// <summary>Handlers for credential flavors the server does not know itself, by flavor
    /// number (any value, cast to <see cref="AuthFlavor"/>). AUTH_NONE, AUTH_SYS and AUTH_SHORT
    /// are built in and cannot be replaced; a call of a flavor with no handler is refused with
    /// AUTH_BADCRED. The <see cref="AuthPolicy"/> still runs after a handler accepts.</summary>
    public IDictionary<AuthFlavor, IRpcAuthFlavorHandler> AuthFlavors { get; } = new Dictionary<AuthFlavor, IRpcAuthFlavorHandler>();

    /// <summary>Hand out AUTH_SHORT handles in replies to AUTH_SYS calls (RFC 5531 Appendix A)
    /// and accept them as credentials afterwards.</summary>
    public bool EnableAuthShort { get; set; }

    /// <summary>AUTH_SHORT handles remembered (least recently used ones are forgotten; a client
    /// presenting a forgotten handle gets AUTH_REJECTEDCRED and resends full credentials).</summary>
    public int AuthShortCacheSize { get; set; } = 10_000;

    /// <summary>How procedure arguments are decoded (padding strictness, string encoding).</summary>
    public XdrReaderOptions ArgumentReaderOptions { get; set; }

    /// <summary>Registries the server announces itself to: <see cref="RpcServer.StartAsync"/>
    /// exports one instance per (program, version) served, with every bound end point, through
    /// each (e.g. <c>OncRpc.Rpcbind.RpcbindExporter</c> for host-local rpcbind), and
    /// <see cref="RpcServer.StopAsync"/> withdraws them. Empty (the default): no registration.</summary>
    public IList<IRpcExporter> Exporters { get; } = [];

    /// <summary>The instance id exported; null (the default) makes one from the host name, the
    /// process id and a random part.</summary>
    public string? InstanceId { get; set; }

    /// <summary>Zone, weight, build and properties exported with every instance.</summary>
    public RpcInstanceMetadata InstanceMetadata { get; set; } = RpcInstanceMetadata.Default;

    /// <summary>
    /// Event-loop threads serving the sockets on Linux (the default is one per processor). Each
    /// waits in epoll for its share of the connections and UDP end points and runs a call's handler
    /// itself; a handler that completes synchronously is answered without any thread hop, as
    /// libtirpc's svc_run does, so it must not block: a handler that waits on I/O or locks should
    /// await (it then continues on the thread pool and the loop serves others meanwhile).
    /// 0 serves sockets through .NET's socket engine and the thread pool instead (an extra hop per
    /// call; handlers never run on a loop), which is also what happens on other systems.
    /// </summary>
    public int EventLoopThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>The duplicate-request cache for at-most-once procedures. Null turns it off:
    /// at-most-once procedures then run again for every retransmission, like at-least-once ones
    /// (a warning is logged at start when such procedures are registered).</summary>
    public DuplicateRequestCacheOptions? DuplicateRequestCache { get; set; } = new();

    /// <summary>Reincarnation of orphans: when a call arrives from a new incarnation of a client
    /// (same address, machine name and uid in AUTH_SYS, another stamp: the client restarted), the
    /// calls still running for the old incarnation are cancelled (their tokens fire) and its
    /// duplicate-request cache entries are dropped. Off by default: libtirpc stamps each AUTH_SYS
    /// handle with its creation time, so one C process with two handles looks like two
    /// incarnations. Turn it on when clients stamp per process, as
    /// <see cref="OncRpc.Auth.AuthSysParameters.ForCurrentProcess"/> does.</summary>
    public bool CancelCallsOfOldIncarnations { get; set; }

    /// <summary>Stream transports: how long a call the server sends its client back over the
    /// client's own connection (<see cref="RpcCallContext.Backchannel"/>) may wait for the reply.
    /// <see cref="Timeout.InfiniteTimeSpan"/> disables it. See docs/calls-both-ways.md.</summary>
    public TimeSpan BackchannelTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Credentials sent with every backchannel call. Default AUTH_NONE.</summary>
    public RpcCredentials BackchannelCredentials { get; set; } = RpcCredentials.None;

    /// <summary>Backchannel calls in flight at once on one connection; more wait for a slot
    /// (RFC 8881 §2.10.6.1 bounds an NFSv4.1 back channel the same way, by its slot count).</summary>
    public int MaxBackchannelCallsPerConnection { get; set; } = 16;

    /// <summary>Clock for deadlines, cache ages and orphan expiry (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(InstanceMetadata, nameof(InstanceMetadata));
        DuplicateRequestCache?.Validate();
        SharedMemory.Validate();
        foreach ((AuthFlavor flavor, IRpcAuthFlavorHandler handler) in AuthFlavors)
        {
            if (flavor is AuthFlavor.None or AuthFlavor.Sys or AuthFlavor.Short)
            {
                throw new ArgumentException($"{flavor} is built in and cannot have a handler", nameof(AuthFlavors));
            }
            ArgumentNullException.ThrowIfNull(handler, nameof(AuthFlavors));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(EventLoopThreads, nameof(EventLoopThreads));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(EventLoopThreads, 1024, nameof(EventLoopThreads));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordSize, 64, nameof(MaxRecordSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentCallsPerConnection, 1, nameof(MaxConcurrentCallsPerConnection));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxUdpDatagramSize, 64, nameof(MaxUdpDatagramSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxUdpDatagramSize, 65527, nameof(MaxUdpDatagramSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentUdpCalls, 1, nameof(MaxConcurrentUdpCalls));
        ArgumentOutOfRangeException.ThrowIfLessThan(AuthShortCacheSize, 1, nameof(AuthShortCacheSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackchannelCallsPerConnection, 1, nameof(MaxBackchannelCallsPerConnection));
        ArgumentNullException.ThrowIfNull(BackchannelCredentials, nameof(BackchannelCredentials));
        if (BackchannelTimeout != Timeout.InfiniteTimeSpan && BackchannelTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(BackchannelTimeout), BackchannelTimeout, "must be positive or infinite");
        }
        if (IdleTimeout != Timeout.InfiniteTimeSpan && IdleTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(IdleTimeout), IdleTimeout, "must be positive or infinite");
        }
    }
}
