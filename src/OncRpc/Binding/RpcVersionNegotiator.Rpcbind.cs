using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Rpcbind;

namespace OncRpc.Binding;

public sealed partial class RpcVersionNegotiator
{
    /// <summary>
    /// Finds the best version through the rpcbind on <paramref name="host"/> (see
    /// <see cref="ResolveAsync(string, uint, IReadOnlyList{uint}, RpcTransportKind, RpcClientOptions?, CancellationToken)"/>)
    /// and connects to where it listens. The caller owns the returned client.
    /// </summary>
    public async Task<RpcNegotiatedClient> ConnectBestAsync(string host, uint program, IReadOnlyList<uint> versions,
        RpcTransportKind transport = RpcTransportKind.Tcp, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        EndPoint rpcbind = await RpcbindEndPointAsync(host, transport, cancellationToken).ConfigureAwait(false);
        return await ConnectBestAsync(rpcbind, program, versions, transport, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The rpcbind of <paramref name="host"/>: port 111, or the local socket for
    /// <see cref="RpcTransportKind.Local"/> (then <paramref name="host"/> is not used).</summary>
    private static async Task<EndPoint> RpcbindEndPointAsync(string host, RpcTransportKind transport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return transport == RpcTransportKind.Local
            ? new UnixDomainSocketEndPoint(RpcbindProtocol.LocalSocketPath)
            : new IPEndPoint(await RpcbindClient.ResolveHostAsync(host, AddressFamily.Unspecified, cancellationToken).ConfigureAwait(false), RpcbindProtocol.Port);
    }

    /// <summary>As <see cref="ConnectBestAsync(string, uint, IReadOnlyList{uint}, RpcTransportKind, RpcClientOptions?, CancellationToken)"/>
    /// with the rpcbind at <paramref name="rpcbindEndPoint"/>.</summary>
    public async Task<RpcNegotiatedClient> ConnectBestAsync(EndPoint rpcbindEndPoint, uint program, IReadOnlyList<uint> versions,
        RpcTransportKind transport, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        RpcNegotiatedVersion found = await ResolveAsync(rpcbindEndPoint, program, versions, transport, options, cancellationToken).ConfigureAwait(false);
        RpcClient client = (found.EndPoint, transport) switch
        {
            (UnixDomainSocketEndPoint unix, _) => await RpcClient.ConnectUnixAsync(unix.ToString(), options, cancellationToken).ConfigureAwait(false),
            (IPEndPoint ip, RpcTransportKind.Udp) => RpcClient.CreateUdp(ip, options),
            (EndPoint endPoint, _) => await RpcClient.ConnectTcpAsync(endPoint, options, cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException("a resolved version has an address"),
        };
        return new RpcNegotiatedClient(client, found.Version, ServerKey(rpcbindEndPoint, transport));
    }

    private static string NetidFor(EndPoint rpcbindEndPoint, RpcTransportKind transport) => rpcbindEndPoint switch
    {
        _ when transport == RpcTransportKind.Local => RpcbindNetid.Local,
        IPEndPoint ip => RpcbindNetid.For(transport, ip.AddressFamily),
        _ => throw new ArgumentException($"rpcbind at {rpcbindEndPoint} is reached over a Unix socket: transport must be Local", nameof(transport)),
    };

    /// <summary>
    /// Every registered version of <paramref name="program"/> for <paramref name="netid"/> with its
    /// address, from one dump: rpcbind version 4, else 3 (RFC 1833 §2.2: RPCBPROC_DUMP), else the
    /// port mapper's (version 2: tcp and udp only). One round trip, whatever the number of versions.
    /// </summary>
    private static async Task<IReadOnlyList<(uint Version, EndPoint EndPoint)>> RegisteredVersionsAsync(EndPoint rpcbindEndPoint, uint program,
        string netid, RpcTransportKind transport, RpcClientOptions? options, CancellationToken cancellationToken)
    {
        RpcClientOptions lookup = RpcbindClient.LookupOptions(options);
        IPAddress? host = (rpcbindEndPoint as IPEndPoint)?.Address;
        await using RpcbindClient rpcbind = await RpcbindClient.ConnectAsync(rpcbindEndPoint, transport, lookup, cancellationToken).ConfigureAwait(false);
        var found = new List<(uint, EndPoint)>();
        foreach (uint rpcbindVersion in new[] { RpcbindProtocol.Version4, RpcbindProtocol.Version3 })
        {
            IReadOnlyList<RpcbindMapping> mappings;
            try
            {
                mappings = await rpcbind.DumpAsync(rpcbindVersion, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.Status is RpcStatus.ProgramMismatch or RpcStatus.ProcedureUnavailable or RpcStatus.ProgramUnavailable)
            {
                continue; // an rpcbind that does not speak this version; the next one down
            }
            foreach (RpcbindMapping mapping in mappings)
            {
                if (mapping.Program == program && mapping.Netid == netid && UniversalAddress.TryParse(mapping.Address, netid, out EndPoint endPoint))
                {
                    found.Add((mapping.Version, OnHost(endPoint, host)));
                }
            }
            return found;
        }
        if (netid is not (RpcbindNetid.Tcp or RpcbindNetid.Udp) || host is null)
        {
            throw new RpcException(RpcStatus.ProgramMismatch, $"the rpcbind at {rpcbindEndPoint} speaks neither version 4 nor 3");
        }
        uint protocol = netid == RpcbindNetid.Tcp ? RpcbindProtocol.IpProtoTcp : RpcbindProtocol.IpProtoUdp;
        foreach (PortmapEntry entry in await rpcbind.PortmapDumpAsync(cancellationToken).ConfigureAwait(false))
        {
            if (entry.Program == program && entry.Protocol == protocol && entry.Port is > 0 and <= 65535)
            {
                found.Add((entry.Version, new IPEndPoint(host, (int)entry.Port)));
            }
        }
        return found;
    }

    /// <summary>A wildcard address (0.0.0.0, ::) registered by a server means the rpcbind's own host.</summary>
    private static EndPoint OnHost(EndPoint endPoint, IPAddress? host) =>
        endPoint is IPEndPoint ip && host is not null && (ip.Address.Equals(IPAddress.Any) || ip.Address.Equals(IPAddress.IPv6Any))
            ? new IPEndPoint(host, ip.Port)
            : endPoint;
}
