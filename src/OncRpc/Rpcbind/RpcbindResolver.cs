using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using OncRpc.Binding;
using OncRpc.Client;

namespace OncRpc.Rpcbind;

/// <summary>
/// The embedded backend's lookup part: asks each of a few rpcbinds where (program, version)
/// listens (GETADDR v4, then v3, then portmap, as libtirpc does) and asks again every
/// <see cref="RefreshInterval"/>, yielding the set when it changes. No extra process: the hosts'
/// own rpcbind (ours or the system's) is the registry, one instance per host. An rpcbind that
/// cannot be reached keeps its last answer (health checks decide whether that server is alive).
/// </summary>
public sealed class RpcbindResolver : IRpcResolver
{
    private readonly EndPoint[] _rpcbinds;
    private readonly RpcTransportKind _transport;
    private readonly RpcClientOptions _options;

    /// <summary>Asks the rpcbinds at <paramref name="rpcbindEndPoints"/> (TCP <see cref="IPEndPoint"/>s
    /// or <see cref="UnixDomainSocketEndPoint"/>s, the latter standing for this host) for the
    /// address over <paramref name="transport"/>.</summary>
    public RpcbindResolver(IEnumerable<EndPoint> rpcbindEndPoints, RpcTransportKind transport = RpcTransportKind.Tcp, RpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rpcbindEndPoints);
        _rpcbinds = [.. rpcbindEndPoints];
        foreach (EndPoint endPoint in _rpcbinds)
        {
            if (endPoint is not (IPEndPoint or UnixDomainSocketEndPoint))
            {
                throw new ArgumentException($"{endPoint}: an rpcbind end point is an IPEndPoint or a UnixDomainSocketEndPoint", nameof(rpcbindEndPoints));
            }
        }
        _transport = transport;
        _options = options ?? new RpcClientOptions { Timeout = TimeSpan.FromSeconds(2) };
    }

    /// <summary>Asks rpcbind on port 111 of each host address in <paramref name="hosts"/>.</summary>
    public static RpcbindResolver ForHosts(RpcTransportKind transport, params IEnumerable<IPAddress> hosts) =>
        new(hosts.Select(h => (EndPoint)new IPEndPoint(h, RpcbindProtocol.Port)), transport);

    /// <summary>How often the rpcbinds are asked again.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public async IAsyncEnumerable<IReadOnlyList<RpcInstance>> WatchAsync(uint program, uint version,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var known = new RpcInstance?[_rpcbinds.Length];
        string? lastShape = null;
        while (true)
        {
            for (int i = 0; i < _rpcbinds.Length; i++)
            {
                try
                {
                    known[i] = await LookUpAsync(_rpcbinds[i], program, version, cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException)
                {
                    // rpcbind unreachable: keep what it said last.
                }
            }
            RpcInstance[] view = [.. known.OfType<RpcInstance>()];
            string shape = string.Join('|', view.Select(i => i.Id));
            if (shape != lastShape)
            {
                lastShape = shape;
                yield return view;
            }
            await Task.Delay(RefreshInterval, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<RpcInstance?> LookUpAsync(EndPoint rpcbind, uint program, uint version, CancellationToken cancellationToken)
    {
        // A Unix socket is this host's rpcbind: wildcard registrations mean loopback.
        (IPAddress host, RpcTransportKind asking) = rpcbind is IPEndPoint ip
            ? (ip.Address, RpcTransportKind.Tcp)
            : (IPAddress.Loopback, RpcTransportKind.Local);
        string netid = _transport == RpcTransportKind.Local ? RpcbindNetid.Local : RpcbindNetid.For(_transport, host.AddressFamily);
        EndPoint? endPoint = await RpcbindClient.ResolveAtAsync(rpcbind, host, program, version, netid, asking, _options, cancellationToken)
            .ConfigureAwait(false);
        return endPoint is null
            ? null
            : new RpcInstance($"{rpcbind}/{endPoint}", program, version, [new RpcInstanceEndpoint(_transport, endPoint)], RpcInstanceMetadata.Default);
    }
}
