using System.Net;

namespace OncRpc.Server.Internal;

/// <summary>A caller's address as bytes, for the keys that tell clients apart (duplicate-request
/// cache, incarnations).</summary>
internal static class PeerAddress
{
    /// <summary>Writes the address of <paramref name="peer"/> (4 or 16 bytes; an IPv4-mapped IPv6
    /// address as IPv4, so a dual-stack socket sees one client as one); returns its length.</summary>
    public static int Write(Span<byte> destination, IPEndPoint peer)
    {
        IPAddress address = peer.Address.IsIPv4MappedToIPv6 ? peer.Address.MapToIPv4() : peer.Address;
        address.TryWriteBytes(destination, out int written);
        return written;
    }
}
