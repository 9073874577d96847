using System.Net.Sockets;

namespace OncRpc.Rpcbind;

/// <summary>
/// The network identifiers rpcbind speaks of (netconfig(5) on Linux): <c>tcp</c>, <c>udp</c>
/// (IPv4), <c>tcp6</c>, <c>udp6</c> (IPv6) and <c>local</c> (alias <c>unix</c>, an AF_UNIX
/// stream socket). rpcbind compares netids ignoring case (strcasecmp), and so does RpcbindServer.
/// </summary>
public static class RpcbindNetid
{
    public const string Tcp = "tcp";
    public const string Udp = "udp";
    public const string Tcp6 = "tcp6";
    public const string Udp6 = "udp6";
    public const string Local = "local";
    public const string Unix = "unix";

    /// <summary>The netid of <paramref name="transport"/> over <paramref name="family"/>
    /// (ignored for <see cref="RpcTransportKind.Local"/>).</summary>
    public static string For(RpcTransportKind transport, AddressFamily family) => transport switch
    {
        RpcTransportKind.Tcp => family == AddressFamily.InterNetworkV6 ? Tcp6 : Tcp,
        RpcTransportKind.Udp => family == AddressFamily.InterNetworkV6 ? Udp6 : Udp,
        RpcTransportKind.Local => Local,
        _ => throw new ArgumentOutOfRangeException(nameof(transport), transport, null),
    };

    /// <summary>Recognises one of the netids above; false for anything else (rawip, ticots...).</summary>
    public static bool TryParse(string? netid, out RpcTransportKind transport, out AddressFamily family)
    {
        (bool ok, transport, family) = netid switch
        {
            Tcp => (true, RpcTransportKind.Tcp, AddressFamily.InterNetwork),
            Udp => (true, RpcTransportKind.Udp, AddressFamily.InterNetwork),
            Tcp6 => (true, RpcTransportKind.Tcp, AddressFamily.InterNetworkV6),
            Udp6 => (true, RpcTransportKind.Udp, AddressFamily.InterNetworkV6),
            Local or Unix => (true, RpcTransportKind.Local, AddressFamily.Unix),
            _ => (false, default, AddressFamily.Unspecified),
        };
        return ok;
    }

    /// <summary>True for <c>local</c> and <c>unix</c>.</summary>
    public static bool IsLocal(string? netid) => netid is Local or Unix;

    /// <summary>The netconfig fields GETADDRLIST reports for <paramref name="netid"/>
    /// (semantics, protocol family, protocol), as in Linux's /etc/netconfig; null when unknown.</summary>
    public static RpcbindNetconfig? Netconfig(string? netid) => netid switch
    {
        Tcp => new(RpcbindAddressEntry.SemanticsConnectionOrientedOrderly, "inet", "tcp"),
        Udp => new(RpcbindAddressEntry.SemanticsConnectionless, "inet", "udp"),
        Tcp6 => new(RpcbindAddressEntry.SemanticsConnectionOrientedOrderly, "inet6", "tcp"),
        Udp6 => new(RpcbindAddressEntry.SemanticsConnectionless, "inet6", "udp"),
        Local or Unix => new(RpcbindAddressEntry.SemanticsConnectionOrientedOrderly, "loopback", "-"),
        _ => null,
    };
}

/// <summary>The /etc/netconfig fields of one netid that GETADDRLIST reports.</summary>
/// <param name="Semantics">NC_TPI_CLTS, NC_TPI_COTS_ORD, ...</param>
/// <param name="ProtocolFamily">inet, inet6 or loopback.</param>
/// <param name="Protocol">tcp, udp, or "-".</param>
public readonly record struct RpcbindNetconfig(uint Semantics, string ProtocolFamily, string Protocol);
