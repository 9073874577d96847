using System.Net;
using System.Net.Sockets;

namespace OncRpc.Server.Internal;

/// <summary>A bound UDP end point, as the server manages it, whichever I/O model serves it
/// (<see cref="EpollUdpListener"/> on Linux, <see cref="UdpListener"/> elsewhere).</summary>
internal interface IUdpEndPoint
{
    EndPoint LocalEndPoint { get; }

    /// <summary>Starts receiving; <paramref name="stopping"/> firing stops it.</summary>
    void Start(CancellationToken stopping);

    /// <summary>Waits for receiving (already told to stop) to end and the calls in flight to finish.</summary>
    Task DrainAsync();

    void Close();

    /// <summary>For tests: the calls in flight on this end point.</summary>
    InFlightTracker InFlight { get; }

    /// <summary>For tests: receiving is held back because the calls in flight are at
    /// <see cref="RpcServerOptions.MaxConcurrentUdpCalls"/>.</summary>
    bool PausedAtCallLimit { get; }

    /// <summary>A UDP socket bound to <paramref name="endPoint"/> (IPv6 only when IPv6, so an IPv4
    /// end point on the same port can coexist).</summary>
    static Socket Bind(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }
            socket.Bind(endPoint);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }
}
