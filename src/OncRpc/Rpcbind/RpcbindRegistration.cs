using System.Net;
using System.Net.Sockets;
using OncRpc.Binding;
using OncRpc.Auth;
using OncRpc.Client;

namespace OncRpc.Rpcbind;

/// <summary>The outcome of registering one mapping: which protocol version took it, or why not.</summary>
public sealed record RpcbindRegistrationResult(RpcbindMapping Mapping, bool Registered, uint RpcbindVersion, string? Error);

/// <summary>
/// Registers a server's (program, version, netid, address) mappings with rpcbind and removes them
/// again: version 4 SET, falling back to the port mapper's SET (version 2, tcp and udp over IPv4
/// only) when rpcbind does not speak version 4, like libtirpc's svc_reg/rpcb_set. Built for
/// <see cref="Server.RpcServer"/> to call at start and stop. Not thread-safe.
/// </summary>
public sealed class RpcbindRegistration
{
    private readonly RpcbindRegistrationOptions _options;
    private readonly List<RpcbindRegistrationResult> _registered = [];

    public RpcbindRegistration(IEnumerable<RpcbindMapping> mappings, RpcbindRegistrationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        Mappings = [.. mappings];
        _options = options ?? new RpcbindRegistrationOptions();
    }

    /// <summary>What will be (or was) registered.</summary>
    public IReadOnlyList<RpcbindMapping> Mappings { get; }

    /// <summary>The mappings for every (program, version) on every end point a server listens on:
    /// the netid follows the transport and address family, the address is the end point's
    /// universal address (a wildcard bind registers 0.0.0.0 or ::, which rpcbind answers with the
    /// address each asker reached it on).</summary>
    public static IReadOnlyList<RpcbindMapping> MappingsFor(IEnumerable<RpcProgramVersion> programs,
        IEnumerable<RpcInstanceEndpoint> endPoints)
    {
        ArgumentNullException.ThrowIfNull(programs);
        ArgumentNullException.ThrowIfNull(endPoints);
        var ends = endPoints.ToArray();
        var result = new List<RpcbindMapping>();
        foreach ((uint program, uint version) in programs)
        {
            if (program == RpcbindProtocol.Program)
            {
                continue; // rpcbind registers itself
            }
            foreach ((RpcTransportKind transport, EndPoint endPoint) in ends)
            {
                if (transport == RpcTransportKind.SharedMemory)
                {
                    continue; // netid shm is this library's own: rpcbind has no such netconfig entry
                }
                result.Add(new RpcbindMapping(program, version, RpcbindNetid.For(transport, endPoint.AddressFamily),
                    UniversalAddress.Format(endPoint), ""));
            }
        }
        return result;
    }

    /// <summary>Registers every mapping; returns one result per mapping. Throws
    /// <see cref="RpcException"/> only when rpcbind cannot be reached at all.</summary>
    public async Task<IReadOnlyList<RpcbindRegistrationResult>> RegisterAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<RpcbindRegistrationResult>(Mappings.Count);
        await using RpcbindClient rpcbind = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        bool v4 = true;
        foreach (RpcbindMapping mapping in Mappings)
        {
            RpcbindRegistrationResult result;
            if (v4)
            {
                try
                {
                    bool ok = await rpcbind.SetAsync(mapping, RpcbindProtocol.Version4, cancellationToken).ConfigureAwait(false);
                    if (!ok && _options.ReplaceExisting)
                    {
                        await rpcbind.UnsetAsync(mapping with { Address = "" }, RpcbindProtocol.Version4, cancellationToken).ConfigureAwait(false);
                        ok = await rpcbind.SetAsync(mapping, RpcbindProtocol.Version4, cancellationToken).ConfigureAwait(false);
                    }
                    result = new(mapping, ok, RpcbindProtocol.Version4, ok ? null : "rpcbind refused the registration");
                    results.Add(result);
                    if (ok)
                    {
                        _registered.Add(result);
                    }
                    continue;
                }
                catch (RpcException e) when (e.Status is RpcStatus.ProgramMismatch or RpcStatus.ProcedureUnavailable)
                {
                    v4 = false; // a port mapper only: fall back to version 2 for this and the rest
                }
            }
            result = await PortmapSetAsync(rpcbind, mapping, cancellationToken).ConfigureAwait(false);
            results.Add(result);
            if (result.Registered)
            {
                _registered.Add(result);
            }
        }
        return results;
    }

    /// <summary>Removes what <see cref="RegisterAsync"/> registered (only the netids registered,
    /// with the protocol version that took them). Best effort: failures are returned, not thrown,
    /// except cancellation.</summary>
    public async Task<IReadOnlyList<string>> UnregisterAsync(CancellationToken cancellationToken = default)
    {
        var errors = new List<string>();
        if (_registered.Count == 0)
        {
            return errors;
        }
        try
        {
            await using RpcbindClient rpcbind = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            var portmapDone = new HashSet<(uint, uint)>();
            foreach (RpcbindRegistrationResult entry in _registered)
            {
                if (entry.RpcbindVersion == RpcbindProtocol.PortmapVersion && !portmapDone.Add((entry.Mapping.Program, entry.Mapping.Version)))
                {
                    continue; // PMAPPROC_UNSET removed tcp and udp at once
                }
                try
                {
                    bool ok = entry.RpcbindVersion == RpcbindProtocol.PortmapVersion
                        ? await rpcbind.PortmapUnsetAsync(entry.Mapping.Program, entry.Mapping.Version, cancellationToken).ConfigureAwait(false)
                        : await rpcbind.UnsetAsync(entry.Mapping with { Address = "" }, entry.RpcbindVersion, cancellationToken).ConfigureAwait(false);
                    if (!ok)
                    {
                        errors.Add($"{Describe(entry.Mapping)}: rpcbind had nothing to remove");
                    }
                }
                catch (RpcException e)
                {
                    errors.Add($"{Describe(entry.Mapping)}: {e.Message}");
                }
            }
        }
        catch (RpcException e)
        {
            errors.Add($"rpcbind unreachable: {e.Message}");
        }
        _registered.Clear();
        return errors;
    }

    private static async Task<RpcbindRegistrationResult> PortmapSetAsync(RpcbindClient rpcbind, RpcbindMapping mapping, CancellationToken cancellationToken)
    {
        uint protocol = mapping.Netid switch
        {
            RpcbindNetid.Tcp => RpcbindProtocol.IpProtoTcp,
            RpcbindNetid.Udp => RpcbindProtocol.IpProtoUdp,
            _ => 0,
        };
        if (protocol == 0 || !UniversalAddress.TryParse(mapping.Address, out IPEndPoint endPoint))
        {
            return new(mapping, false, RpcbindProtocol.PortmapVersion, $"the port mapper cannot register netid {mapping.Netid}");
        }
        var entry = new PortmapEntry(mapping.Program, mapping.Version, protocol, (uint)endPoint.Port);
        bool ok = await rpcbind.PortmapSetAsync(entry, cancellationToken).ConfigureAwait(false);
        return new(mapping, ok, RpcbindProtocol.PortmapVersion, ok ? null : "the port mapper refused the registration");
    }

    private async Task<RpcbindClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var options = new RpcClientOptions
        {
            Timeout = _options.Timeout,
            RetransmitInterval = TimeSpan.FromMilliseconds(Math.Min(1000, _options.Timeout.TotalMilliseconds)),
            MaxRetransmitInterval = _options.Timeout,
            Credentials = _options.Credentials ?? ProcessCredentials(),
        };
        EndPoint endPoint = _options.RpcbindEndPoint
            ?? (File.Exists(RpcbindProtocol.LocalSocketPath)
                ? new UnixDomainSocketEndPoint(RpcbindProtocol.LocalSocketPath)
                : new IPEndPoint(IPAddress.Loopback, RpcbindProtocol.Port));
        try
        {
            return await RpcbindClient.ConnectAsync(endPoint, RpcTransportKind.Tcp, options, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException) when (_options.RpcbindEndPoint is null && endPoint is UnixDomainSocketEndPoint)
        {
            // A stale socket file: try the TCP port.
            return await RpcbindClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, RpcbindProtocol.Port), RpcTransportKind.Tcp,
                options, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>AUTH_SYS with the effective uid and gid from /proc/self/status (no P/Invoke);
    /// AUTH_NONE where that is not available (rpcbind then records the owner "unknown").</summary>
    private static RpcCredentials ProcessCredentials()
    {
        uint? uid = null, gid = null;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                // "Uid:\treal\teffective\tsaved\tfs"
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    uid = EffectiveId(line);
                }
                else if (line.StartsWith("Gid:", StringComparison.Ordinal))
                {
                    gid = EffectiveId(line);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return uid is { } u && gid is { } g
            ? RpcCredentials.Sys(0, Environment.MachineName, u, g, useShortHandles: false)
            : RpcCredentials.None;
    }

    private static uint? EffectiveId(string line)
    {
        string[] fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 2 && uint.TryParse(fields[2], System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out uint id) ? id : null;
    }

    private static string Describe(RpcbindMapping m) => $"program {m.Program} version {m.Version} {m.Netid}";
}
