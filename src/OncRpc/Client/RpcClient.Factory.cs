using System.Net;
using System.Net.Sockets;
using OncRpc.Client.Internal;

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

    /// <summary>Creates a UDP client for <paramref name="endPoint"/>. Nothing is sent until the
    /// first call; calls are retransmitted with the same xid and exponential backoff until a reply
    /// or the timeout. An ICMP port-unreachable fails pending calls with <see cref="RpcStatus.CannotBind"/>.</summary>
    public static RpcClient CreateUdp(IPEndPoint endPoint, RpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return new UdpRpcClient(endPoint, (options ?? new()).Clone().Validate());
    }
}
