using System.Net;
using System.Net.Sockets;
using OncRpc.Client.Internal;
using OncRpc.Server;

namespace OncRpc.Client;

public abstract partial class RpcClient
{
    /// <summary>Connects over TCP (IPv4, IPv6, or a <see cref="DnsEndPoint"/> tried address by
    /// address). Throws <see cref="RpcException"/> with <see cref="RpcStatus.CannotBind"/> when the
    /// connection is refused or the name does not resolve, <see cref="RpcStatus.TimedOut"/> when
    /// connecting takes longer than <see cref="RpcClientOptions.Timeout"/>.</summary>
    public static async Task<RpcClient> ConnectTcpAsync(
        EndPoint endPoint, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (endPoint is not (IPEndPoint or DnsEndPoint))
        {
            throw new ArgumentException("a TCP end point is an IPEndPoint or a DnsEndPoint", nameof(endPoint));
        }
        return await StreamRpcClient.ConnectAsync(endPoint, RpcTransportKind.Tcp, (options ?? new()).Clone().Validate(), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Connects to a Unix domain stream socket at <paramref name="path"/>; same errors as
    /// <see cref="ConnectTcpAsync"/>.</summary>
    public static async Task<RpcClient> ConnectUnixAsync(
        string path, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return await StreamRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(path), RpcTransportKind.Local,
            (options ?? new()).Clone().Validate(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Connects to a shared-memory end point (netid <c>shm</c>, Linux x86_64) whose Unix socket is
    /// at <paramref name="path"/> (<see cref="RpcServer.ListenSharedMemory"/>): the server checks
    /// this process's uid and hands over a mapping of two rings made for this connection; calls
    /// and replies then go through the rings, the same RPC records as on a socket. A blocking
    /// <see cref="Call{TArgs, TResult}(RpcProcedureDescriptor, TArgs, CancellationToken)"/> waits
    /// for its reply on its own thread (spinning briefly, then asleep on a futex). The server's
    /// death fails the calls in flight with <see cref="RpcStatus.ConnectionLost"/>. Throws
    /// <see cref="RpcException"/> with <see cref="RpcStatus.CannotBind"/> when nothing listens there,
    /// the server refuses this uid, or the end point is not a shared-memory one;
    /// <see cref="PlatformNotSupportedException"/> elsewhere than Linux x86_64.
    /// </summary>
    public static async Task<RpcClient> ConnectSharedMemoryAsync(
        string path, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return await StreamRpcClient.ConnectAsync(new UnixDomainSocketEndPoint(path), RpcTransportKind.SharedMemory,
            (options ?? new()).Clone().Validate(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a TCP client that connects on its first call (and, with
    /// <see cref="RpcClientOptions.Reconnect"/>, again after a loss), so it can be made where
    /// nothing may block or await, such as a dependency-injection factory. Connection errors
    /// surface from the first call, as <see cref="ConnectTcpAsync"/> describes them.</summary>
    public static RpcClient CreateTcp(EndPoint endPoint, RpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        if (endPoint is not (IPEndPoint or DnsEndPoint))
        {
            throw new ArgumentException("a TCP end point is an IPEndPoint or a DnsEndPoint", nameof(endPoint));
        }
        return StreamRpcClient.Create(endPoint, RpcTransportKind.Tcp, (options ?? new()).Clone().Validate());
    }

    /// <summary>Creates a Unix domain stream client that connects on its first call; see
    /// <see cref="CreateTcp"/>.</summary>
    public static RpcClient CreateUnix(string path, RpcClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return StreamRpcClient.Create(new UnixDomainSocketEndPoint(path), RpcTransportKind.Local, (options ?? new()).Clone().Validate());
    }

    /// <summary>Creates a shared-memory client that connects on its first call; see
    /// <see cref="ConnectSharedMemoryAsync"/> and <see cref="CreateTcp"/>.</summary>
    public static RpcClient CreateSharedMemory(string path, RpcClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return StreamRpcClient.Create(new UnixDomainSocketEndPoint(path), RpcTransportKind.SharedMemory, (options ?? new()).Clone().Validate());
    }

    /// <summary>Creates a UDP client for <paramref name="endPoint"/>. Nothing is sent until the
    /// first call; calls are retransmitted with the same xid and exponential backoff until a reply
    /// or the timeout. An ICMP port-unreachable fails pending calls with <see cref="RpcStatus.CannotBind"/>.</summary>
    public static RpcClient CreateUdp(IPEndPoint endPoint, RpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new UdpRpcClient(endPoint, (options ?? new()).Clone().Validate());
    }

    /// <summary>
    /// Creates a client whose calls go through a server call pipeline in this process, with no
    /// socket: each call is encoded, authenticated, looked up, run by <paramref name="dispatcher"/>'s
    /// handler under <paramref name="serverOptions"/> (auth policy and flavors, duplicate-request
    /// cache, limits), and its encoded reply decoded, as over a connection. Made for unit tests of
    /// services and of code that calls them: real encoding both ways, real error mapping, no ports.
    /// <see cref="RpcClientOptions.Timeout"/> and cancellation apply as on other transports (the
    /// call's handler keeps running, as a server's does when its client gives up). Handlers see a
    /// <see cref="RpcTransportKind.Local"/> caller. Disposing fails pending calls with
    /// <see cref="RpcStatus.ConnectionLost"/>, fires running handlers' tokens and waits for them.
    /// </summary>
    public static RpcClient CreateInProcess(RpcDispatcher dispatcher, RpcServerOptions? serverOptions = null, RpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        return new InProcessRpcClient(dispatcher, serverOptions ?? new RpcServerOptions(), (options ?? new()).Clone().Validate());
    }

    /// <summary>
    /// Creates a client over a stream socket the caller connected (TCP, or a Unix domain socket:
    /// a <c>socketpair</c>, a socket handed over by a supervisor, one with options this API does
    /// not set): the low level of the transport, with the client's framing, xids, timeouts and
    /// auth on top. The client owns the socket from then on and closes it when disposed. It does
    /// not reconnect (<see cref="RpcClientOptions.Reconnect"/> is ignored): once the connection is
    /// lost, calls fail with <see cref="RpcStatus.ConnectionLost"/>. Throws
    /// <see cref="ArgumentException"/> for a datagram or unconnected socket.
    /// </summary>
    public static RpcClient FromSocket(Socket socket, RpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.SocketType != SocketType.Stream || !socket.Connected)
        {
            throw new ArgumentException("the socket must be a connected stream socket", nameof(socket));
        }
        RpcClientOptions own = (options ?? new()).Clone();
        own.Reconnect = false;
        RpcTransportKind kind = socket.AddressFamily == AddressFamily.Unix ? RpcTransportKind.Local : RpcTransportKind.Tcp;
        return StreamRpcClient.Over(socket, kind, own.Validate());
    }
}
