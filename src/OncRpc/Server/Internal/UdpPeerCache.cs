using System.Net;
using System.Net.Sockets;

namespace OncRpc.Server.Internal;

/// <summary>
/// Turns the raw address of a received datagram into an <see cref="EndPoint"/> for the call's
/// context, reusing the object for a peer seen recently (direct-mapped, 256 slots), so a busy
/// client costs no allocation per call. Used by one receive loop only: not thread-safe.
/// </summary>
internal sealed class UdpPeerCache
{
    private const int Slots = 256;
    private readonly byte[][] _keys = new byte[Slots][];
    private readonly EndPoint?[] _endPoints = new EndPoint?[Slots];
    private readonly IPEndPoint _factory;

    public UdpPeerCache(AddressFamily family) =>
        _factory = new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);

    public EndPoint Get(SocketAddress address)
    {
        ReadOnlySpan<byte> bytes = address.Buffer.Span[..address.Size];
        uint hash = 2166136261;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }
        int slot = (int)(hash % Slots);
        if (_endPoints[slot] is { } cached && bytes.SequenceEqual(_keys[slot]))
        {
            return cached;
        }
        EndPoint endPoint = _factory.Create(address);
        _keys[slot] = bytes.ToArray();
        _endPoints[slot] = endPoint;
        return endPoint;
    }
}
