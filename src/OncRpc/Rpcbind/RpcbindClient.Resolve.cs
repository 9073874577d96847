using System.Net;
using System.Net.Sockets;
using OncRpc.Client;

namespace OncRpc.Rpcbind;

public sealed partial class RpcbindClient
{
    /// <summary>Cap on the time one rpcbind lookup may take inside <see cref="ResolveAsync"/>.</summary>
    private static readonly TimeSpan s_lookupTimeout = TimeSpan.FromSeconds(10);

    private static readonly uint[] s_getAddrVersions = [RpcbindProtocol.Version4, RpcbindProtocol.Version3];

    /// <summary>
    /// Finds where (program, version) listens on <paramref name="host"/> over
    /// <paramref name="netid"/>, the way libtirpc's rpcb_getaddr does: asks the host's rpcbind over
    /// that same transport with version 4 GETADDR, then version 3, then (tcp and udp only) the
    /// port mapper's GETPORT, moving down when the server does not speak a version. A wildcard
    /// answer (0.0.0.0, ::) means the host's own address. Null when the program is not registered;
    /// <see cref="RpcException"/> when rpcbind cannot be reached or answers nonsense.
    /// For <c>local</c>, <paramref name="host"/> is ignored and the local socket is asked.
    /// </summary>
    public static async Task<EndPoint?> ResolveAsync(string host, uint program, uint version, string netid,
        RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!RpcbindNetid.TryParse(netid, out RpcTransportKind transport, out AddressFamily family))
        {
            throw new ArgumentException($"unknown netid '{netid}'", nameof(netid));
        }
        IPAddress? address = null;
        EndPoint rpcbindEndPoint;
        if (transport == RpcTransportKind.Local)
        {
            rpcbindEndPoint = new UnixDomainSocketEndPoint(RpcbindProtocol.LocalSocketPath);
        }
        else
        {
            address = await ResolveHostAsync(host, family, cancellationToken).ConfigureAwait(false);
            if (address.AddressFamily != family)
            {
                throw new ArgumentException($"{address} is not an address for netid {netid}", nameof(host));
            }
            rpcbindEndPoint = new IPEndPoint(address, RpcbindProtocol.Port);
        }
        return await ResolveAtAsync(rpcbindEndPoint, address, program, version, netid, transport, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The caller's options for one lookup at an rpcbind: its timeout bounded (a
    /// lookup is a small exchange; an unreachable rpcbind must not hold a caller for ever), and
    /// UDP retransmissions within it.</summary>
    internal static RpcClientOptions LookupOptions(RpcClientOptions? options)
    {
        RpcClientOptions lookup = (options ?? new RpcClientOptions()).Clone();
        if (lookup.Timeout == Timeout.InfiniteTimeSpan || lookup.Timeout > s_lookupTimeout)
        {
            lookup.Timeout = s_lookupTimeout;
        }
        if (lookup.RetransmitInterval > lookup.Timeout)
        {
            lookup.RetransmitInterval = lookup.MaxRetransmitInterval = lookup.Timeout;
        }
        return lookup;
    }

    /// <summary>The lookup of <see cref="ResolveAsync(string, uint, uint, string, RpcClientOptions?, CancellationToken)"/>
    /// against the rpcbind at <paramref name="rpcbindEndPoint"/>; wildcard answers become
    /// <paramref name="hostAddress"/>.</summary>
    internal static async Task<EndPoint?> ResolveAtAsync(EndPoint rpcbindEndPoint, IPAddress? hostAddress, uint program, uint version,
        string netid, RpcTransportKind transport, RpcClientOptions? options, CancellationToken cancellationToken)
    {
        RpcClientOptions lookup = LookupOptions(options);
        IPAddress? address = hostAddress;

        await using RpcbindClient rpcbind = await ConnectAsync(rpcbindEndPoint, transport, lookup, cancellationToken).ConfigureAwait(false);
        string? universalAddress = null;
        foreach (uint rpcbindVersion in s_getAddrVersions)
        {
            try
            {
                universalAddress = await rpcbind.GetAddressAsync(program, version, netid, rpcbindVersion, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (RpcException e) when (IsVersionProblem(e))
            {
                // RFC 1833: an rpcbind that does not speak this version; try the next one down.
            }
        }
        if (universalAddress is null)
        {
            if (netid is not (RpcbindNetid.Tcp or RpcbindNetid.Udp))
            {
                throw new RpcException(RpcStatus.ProgramMismatch, $"the rpcbind at {rpcbindEndPoint} speaks neither version 4 nor 3");
            }
            uint protocol = netid == RpcbindNetid.Tcp ? RpcbindProtocol.IpProtoTcp : RpcbindProtocol.IpProtoUdp;
            int port = await rpcbind.PortmapGetPortAsync(program, version, protocol, cancellationToken).ConfigureAwait(false);
            return port == 0 ? null : new IPEndPoint(address!, port);
        }
        if (universalAddress.Length == 0)
        {
            return null;
        }
        if (!UniversalAddress.TryParse(universalAddress, netid, out EndPoint endPoint))
        {
            throw new RpcException(RpcStatus.CannotDecodeReply,
                $"rpcbind answered '{UniversalAddress.Printable(universalAddress)}', not a {netid} universal address");
        }
        if (endPoint is IPEndPoint ip && (ip.Address.Equals(IPAddress.Any) || ip.Address.Equals(IPAddress.IPv6Any)))
        {
            return new IPEndPoint(address!, ip.Port);
        }
        return endPoint;
    }

    /// <summary>
    /// Looks (program, version) up with <see cref="ResolveAsync"/> on <paramref name="host"/> over
    /// <paramref name="transport"/> (netid tcp/udp, or tcp6/udp6 for an IPv6 host, or local) and
    /// connects an <see cref="RpcClient"/> to it. Throws <see cref="RpcException"/> with
    /// <see cref="RpcStatus.CannotBind"/> when the program is not registered.
    /// </summary>
    public static async Task<RpcClient> CreateClientAsync(string host, uint program, uint version, RpcTransportKind transport,
        RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        string netid = transport == RpcTransportKind.Local
            ? RpcbindNetid.Local
            : RpcbindNetid.For(transport, (await ResolveHostAsync(host, AddressFamily.Unspecified, cancellationToken).ConfigureAwait(false)).AddressFamily);
        EndPoint endPoint = await ResolveAsync(host, program, version, netid, options, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(RpcStatus.CannotBind, $"program {program} version {version} is not registered on {host} for {netid}");
        return endPoint switch
        {
            UnixDomainSocketEndPoint unix => await RpcClient.ConnectUnixAsync(unix.ToString(), options, cancellationToken).ConfigureAwait(false),
            IPEndPoint ip when transport == RpcTransportKind.Udp => RpcClient.CreateUdp(ip, options),
            _ => await RpcClient.ConnectTcpAsync(endPoint, options, cancellationToken).ConfigureAwait(false),
        };
    }

    private static bool IsVersionProblem(RpcException e) =>
        e.Status is RpcStatus.ProgramMismatch or RpcStatus.ProcedureUnavailable or RpcStatus.ProgramUnavailable;
}
