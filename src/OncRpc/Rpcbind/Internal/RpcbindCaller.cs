using System.Net;
using System.Net.Sockets;
using OncRpc.Server;

namespace OncRpc.Rpcbind.Internal;

/// <summary>What rpcbind needs to know about a caller: whether it is local (loopback address or
/// the Unix socket), the netid of the transport the call came over, the owner name a SET
/// records, and the local address the caller reached us on (for merging wildcard addresses).</summary>
internal readonly record struct RpcbindCaller(bool IsLocal, string Netid, string Owner, IPAddress? LocalAddress)
{
    public static RpcbindCaller From(RpcCallContext context)
    {
        string owner = context.UnixCredential is { } unix
            ? unix.Uid == 0 ? RegistrationTable.Superuser : unix.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : RegistrationTable.Unknown;
        if (context.Transport == RpcTransportKind.Local || context.RemoteEndPoint is UnixDomainSocketEndPoint)
        {
            return new RpcbindCaller(true, RpcbindNetid.Local, owner, IPAddress.Loopback);
        }
        if (context.RemoteEndPoint is not IPEndPoint remote)
        {
            return new RpcbindCaller(false, RpcbindNetid.For(context.Transport, AddressFamily.InterNetwork), owner, null);
        }
        IPAddress address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        bool loopback = IPAddress.IsLoopback(address);
        string netid = RpcbindNetid.For(context.Transport, address.AddressFamily);
        IPAddress? local = loopback
            ? address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback
            : RouteSource(address);
        return new RpcbindCaller(loopback, netid, owner, local);
    }

    /// <summary>The address of this host the kernel would use to reach <paramref name="remote"/>
    /// (a connected UDP socket sends nothing): the address that caller reached us on in all but
    /// asymmetric-routing setups. What rpcbind's mergeaddr achieves with its interface scan.</summary>
    private static IPAddress? RouteSource(IPAddress remote)
    {
        try
        {
            using var socket = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(new IPEndPoint(remote, 9));
            return (socket.LocalEndPoint as IPEndPoint)?.Address;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>rpcbind's mergeaddr: a registered wildcard address (0.0.0.0 or ::, what port
    /// mapper SETs and servers bound to any address register) becomes the address this caller
    /// reached us on, with the registered port; anything else is returned as registered.</summary>
    public string Merge(RpcbindMapping mapping)
    {
        if (LocalAddress is null || !RpcbindNetid.TryParse(mapping.Netid, out RpcTransportKind transport, out AddressFamily family)
            || transport == RpcTransportKind.Local || !UniversalAddress.TryParse(mapping.Address, out IPEndPoint registered))
        {
            return mapping.Address;
        }
        bool wildcard = registered.Address.Equals(IPAddress.Any) || registered.Address.Equals(IPAddress.IPv6Any);
        IPAddress local = IPAddress.IsLoopback(LocalAddress)
            ? family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback
            : LocalAddress;
        if (!wildcard || local.AddressFamily != family)
        {
            return mapping.Address;
        }
        return UniversalAddress.Format(local, registered.Port);
    }
}
