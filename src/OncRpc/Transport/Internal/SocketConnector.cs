using System.Net;
using System.Net.Sockets;

namespace OncRpc.Transport.Internal;

/// <summary>Opens stream sockets, mapping failures to <see cref="RpcException"/>: refused,
/// unreachable or unresolvable is <see cref="RpcStatus.CannotBind"/>, too slow is
/// <see cref="RpcStatus.TimedOut"/>; the caller's cancellation stays an
/// <see cref="OperationCanceledException"/>.</summary>
internal static class SocketConnector
{
    /// <remarks>The connect itself is a blocking one on a pool thread, not Socket.ConnectAsync:
    /// the first async operation on a socket registers it with the runtime's epoll thread for
    /// good, and from then on every reply that arrives wakes that thread even when nobody waits
    /// asynchronously. A client used only with synchronous calls must stay out of it to cost one
    /// context switch per call, as libtirpc does; the first async call registers it.</remarks>
    public static Task<Socket> ConnectAsync(EndPoint endPoint, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.Run(() => Connect(endPoint, timeout, cancellationToken), cancellationToken);

    /// <summary>The blocking counterpart of <see cref="ConnectAsync"/>, for synchronous calls; same errors.</summary>
    public static Socket Connect(EndPoint endPoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            timeoutSource.CancelAfter(timeout);
        }
        try
        {
            if (endPoint is not DnsEndPoint dns)
            {
                return ConnectOne(endPoint, timeoutSource.Token);
            }
            IPAddress[] addresses = Dns.GetHostAddresses(dns.Host, dns.AddressFamily);
            SocketException? last = null;
            foreach (IPAddress address in addresses)
            {
                try
                {
                    return ConnectOne(new IPEndPoint(address, dns.Port), timeoutSource.Token);
                }
                catch (SocketException e)
                {
                    last = e;
                }
            }
            throw last ?? new SocketException((int)SocketError.HostNotFound);
        }
        catch (SocketException e)
        {
            throw new RpcException(RpcStatus.CannotBind, $"cannot connect to {endPoint}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(RpcStatus.TimedOut, $"connecting to {endPoint} took longer than {timeout}", e);
        }
    }

    private static Socket ConnectOne(EndPoint endPoint, CancellationToken cancellationToken)
    {
        Socket socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // A blocking connect takes no token: closing the socket is what interrupts it.
            using (cancellationToken.UnsafeRegister(static s => ((Socket)s!).Dispose(), socket))
            {
                socket.Connect(endPoint);
            }
            cancellationToken.ThrowIfCancellationRequested();
            return socket;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            if (e is ObjectDisposedException)
            {
                throw new SocketException((int)SocketError.OperationAborted);
            }
            throw;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
