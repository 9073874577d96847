using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Xdr;

namespace OncRpc.Rpcbind;

/// <summary>
/// A client of rpcbind / the port mapper (RFC 1833) over one <see cref="RpcClient"/> connected
/// to a host's port 111 or to the local socket <see cref="RpcbindProtocol.LocalSocketPath"/>.
/// Version 2 procedures are the <c>Portmap*</c> methods; the others speak version 4 by default
/// and version 3 when asked (<c>rpcbindVersion</c>). Every method throws what
/// <see cref="RpcClient.CallAsync{TArgs, TResult}(RpcProcedureDescriptor, TArgs, CancellationToken)"/> throws: <see cref="RpcException"/> (a server
/// without that version answers <see cref="RpcStatus.ProgramMismatch"/>) and
/// <see cref="OperationCanceledException"/>. Thread-safe.
/// </summary>
public sealed partial class RpcbindClient : IAsyncDisposable
{
    private readonly bool _ownsClient;

    /// <summary>Wraps <paramref name="client"/>, which must be connected to an rpcbind; it is
    /// disposed with this object when <paramref name="ownsClient"/> is true.</summary>
    public RpcbindClient(RpcClient client, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        Client = client;
        _ownsClient = ownsClient;
    }

    /// <summary>The connection to rpcbind.</summary>
    public RpcClient Client { get; }

    /// <summary>Connects to rpcbind on <paramref name="host"/> (a name or an address) port 111
    /// over TCP or UDP, or to the local socket when <paramref name="transport"/> is
    /// <see cref="RpcTransportKind.Local"/> (then <paramref name="host"/> is ignored).</summary>
    public static async Task<RpcbindClient> ConnectAsync(
        string host, RpcTransportKind transport = RpcTransportKind.Tcp, RpcClientOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        RpcClient client = transport switch
        {
            RpcTransportKind.Local => await RpcClient.ConnectUnixAsync(RpcbindProtocol.LocalSocketPath, options, cancellationToken).ConfigureAwait(false),
            RpcTransportKind.Tcp => await RpcClient.ConnectTcpAsync(
                IPAddress.TryParse(host, out IPAddress? address) ? new IPEndPoint(address, RpcbindProtocol.Port) : new DnsEndPoint(host, RpcbindProtocol.Port),
                options, cancellationToken).ConfigureAwait(false),
            RpcTransportKind.Udp => RpcClient.CreateUdp(
                new IPEndPoint(await ResolveHostAsync(host, AddressFamily.Unspecified, cancellationToken).ConfigureAwait(false), RpcbindProtocol.Port),
                options),
            _ => throw new ArgumentOutOfRangeException(nameof(transport)),
        };
        return new RpcbindClient(client, ownsClient: true);
    }

    /// <summary>Connects to rpcbind at <paramref name="endPoint"/>: an <see cref="IPEndPoint"/>
    /// over <paramref name="transport"/> (TCP or UDP), or a <see cref="UnixDomainSocketEndPoint"/>.</summary>
    public static async Task<RpcbindClient> ConnectAsync(
        EndPoint endPoint, RpcTransportKind transport, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        RpcClient client = (endPoint, transport) switch
        {
            (UnixDomainSocketEndPoint unix, _) => await RpcClient.ConnectUnixAsync(unix.ToString(), options, cancellationToken).ConfigureAwait(false),
            (IPEndPoint ip, RpcTransportKind.Udp) => RpcClient.CreateUdp(ip, options),
            (_, RpcTransportKind.Tcp) => await RpcClient.ConnectTcpAsync(endPoint, options, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentException($"cannot reach {endPoint} over {transport}", nameof(endPoint)),
        };
        return new RpcbindClient(client, ownsClient: true);
    }

    /// <summary>Calls NULL (procedure 0) of <paramref name="rpcbindVersion"/>: a ping.</summary>
    public async Task PingAsync(uint rpcbindVersion = RpcbindProtocol.Version4, CancellationToken cancellationToken = default) =>
        await CallAsync<XdrVoid, XdrVoid>(rpcbindVersion, 0, default, cancellationToken).ConfigureAwait(false);

    // ---- rpcbind versions 3 and 4 (RFC 1833 §2.1, §2.2) ----

    /// <summary>RPCBPROC_SET: registers <paramref name="mapping"/>; false when (program, version,
    /// netid) is already registered or the server refused. rpcbind records its own idea of the
    /// owner, whatever <see cref="RpcbindMapping.Owner"/> says.</summary>
    public async Task<bool> SetAsync(RpcbindMapping mapping, uint rpcbindVersion = RpcbindProtocol.Version4, CancellationToken cancellationToken = default) =>
        await CallAsync<RpcbindMapping, XdrBool>(CheckVersion(rpcbindVersion), RpcbindProtocol.ProcSet, mapping, cancellationToken).ConfigureAwait(false);

    /// <summary>RPCBPROC_UNSET: removes (program, version, netid), or every netid when the netid
    /// is empty; the address is ignored. False when nothing was removed.</summary>
    public async Task<bool> UnsetAsync(RpcbindMapping mapping, uint rpcbindVersion = RpcbindProtocol.Version4, CancellationToken cancellationToken = default) =>
        await CallAsync<RpcbindMapping, XdrBool>(CheckVersion(rpcbindVersion), RpcbindProtocol.ProcUnset, mapping, cancellationToken).ConfigureAwait(false);

    /// <summary>RPCBPROC_GETADDR: the universal address of (program, version) on the transport this
    /// client uses (rpcbind infers the netid from it, RFC 1833 §2.1); "" when not registered.
    /// A registration of another version of the program is returned too (rpcbind's find_service).</summary>
    public async Task<string> GetAddressAsync(uint program, uint version, string netid,
        uint rpcbindVersion = RpcbindProtocol.Version4, CancellationToken cancellationToken = default) =>
        await CallAsync<RpcbindMapping, XdrString>(CheckVersion(rpcbindVersion), RpcbindProtocol.ProcGetAddr,
            new RpcbindMapping(program, version, netid ?? "", "", ""), cancellationToken).ConfigureAwait(false);

    /// <summary>RPCBPROC_DUMP: every registration.</summary>
    public async Task<IReadOnlyList<RpcbindMapping>> DumpAsync(uint rpcbindVersion = RpcbindProtocol.Version4, CancellationToken cancellationToken = default) =>
        (await CallAsync<XdrVoid, RpcbindMappingList>(CheckVersion(rpcbindVersion), RpcbindProtocol.ProcDump, default, cancellationToken)
            .ConfigureAwait(false)).Mappings;

    /// <summary>RPCBPROC_CALLIT (version 3) or RPCBPROC_BCAST (version 4, same number): asks
    /// rpcbind to call a registered procedure. rpcbind answers only when the call succeeded, so a
    /// failure shows as <see cref="RpcStatus.TimedOut"/> (or an error reply from servers that send one).</summary>
    public async Task<RpcbindRemoteCallResult> CallItAsync(RpcbindRemoteCallArgs arguments,
        uint rpcbindVersion = RpcbindProtocol.Version3, CancellationToken cancellationToken = default) =>
        await CallAsync<RpcbindRemoteCallArgs, RpcbindRemoteCallResult>(CheckVersion(rpcbindVersion), RpcbindProtocol.ProcCallIt,
            arguments, cancellationToken).ConfigureAwait(false);

    /// <summary>RPCBPROC_GETTIME: the server's clock, seconds since 1970.</summary>
    public async Task<DateTimeOffset> GetTimeAsync(uint rpcbindVersion = RpcbindProtocol.Version4, CancellationToken cancellationToken = default)
    {
        uint seconds = await CallAsync<XdrVoid, XdrUInt>(CheckVersion(rpcbindVersion), RpcbindProtocol.ProcGetTime, default, cancellationToken)
            .ConfigureAwait(false);
        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    /// <summary>RPCBPROC_UADDR2TADDR: the server's sockaddr for a universal address (an empty
    /// buffer when it cannot convert it).</summary>
    public async Task<NetBuffer> UniversalToTransportAddressAsync(string universalAddress,
        uint rpcbindVersion = RpcbindProtocol.Version4, CancellationToken cancellationToken = default) =>
        await CallAsync<XdrString, NetBuffer>(CheckVersion(rpcbindVersion), RpcbindProtocol.ProcUaddr2Taddr, universalAddress,
            cancellationToken).ConfigureAwait(false);

    /// <summary>RPCBPROC_TADDR2UADDR: the universal address of a sockaddr ("" when it cannot convert it).</summary>
    public async Task<string> TransportToUniversalAddressAsync(NetBuffer address,
        uint rpcbindVersion = RpcbindProtocol.Version4, CancellationToken cancellationToken = default) =>
        await CallAsync<NetBuffer, XdrString>(CheckVersion(rpcbindVersion), RpcbindProtocol.ProcTaddr2Uaddr, address,
            cancellationToken).ConfigureAwait(false);

    // ---- rpcbind version 4 only (RFC 1833 §2.2) ----

    /// <summary>RPCBPROC_GETVERSADDR: like GETADDR but only exactly this version; "" otherwise.</summary>
    public async Task<string> GetVersionAddressAsync(uint program, uint version, string netid, CancellationToken cancellationToken = default) =>
        await CallAsync<RpcbindMapping, XdrString>(RpcbindProtocol.Version4, RpcbindProtocol.ProcGetVersAddr,
            new RpcbindMapping(program, version, netid ?? "", "", ""), cancellationToken).ConfigureAwait(false);

    /// <summary>RPCBPROC_INDIRECT: like CALLIT, but errors are answered (RFC 1833 §2.2.1).</summary>
    public async Task<RpcbindRemoteCallResult> IndirectAsync(RpcbindRemoteCallArgs arguments, CancellationToken cancellationToken = default) =>
        await CallAsync<RpcbindRemoteCallArgs, RpcbindRemoteCallResult>(RpcbindProtocol.Version4, RpcbindProtocol.ProcIndirect,
            arguments, cancellationToken).ConfigureAwait(false);

    /// <summary>RPCBPROC_GETADDRLIST: every address of (program, version), all transports.</summary>
    public async Task<IReadOnlyList<RpcbindAddressEntry>> GetAddressListAsync(uint program, uint version, string netid = "",
        CancellationToken cancellationToken = default) =>
        (await CallAsync<RpcbindMapping, RpcbindAddressEntryList>(RpcbindProtocol.Version4, RpcbindProtocol.ProcGetAddrList,
            new RpcbindMapping(program, version, netid ?? "", "", ""), cancellationToken).ConfigureAwait(false)).Entries;

    /// <summary>RPCBPROC_GETSTAT: what the server served, per protocol version.</summary>
    public async Task<RpcbindStatisticsByVersion> GetStatisticsAsync(CancellationToken cancellationToken = default) =>
        await CallAsync<XdrVoid, RpcbindStatisticsByVersion>(RpcbindProtocol.Version4, RpcbindProtocol.ProcGetStat, default,
            cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _ownsClient ? Client.DisposeAsync() : ValueTask.CompletedTask;

    private ValueTask<TResult> CallAsync<TArgs, TResult>(uint version, uint procedure, TArgs arguments, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult> =>
        Client.CallAsync<TArgs, TResult>(RpcbindProtocol.Descriptor(version, procedure), arguments, cancellationToken);

    private static uint CheckVersion(uint version) => version is RpcbindProtocol.Version3 or RpcbindProtocol.Version4
        ? version
        : throw new ArgumentOutOfRangeException(nameof(version), version, "rpcbind versions are 3 and 4; version 2 is the Portmap* methods");

    internal static async Task<IPAddress> ResolveHostAsync(string host, AddressFamily family, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return literal;
        }
        IPAddress[] addresses;
        try
        {
            addresses = await Dns.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new RpcException(RpcStatus.CannotBind, $"cannot resolve host '{host}': {e.Message}", e);
        }
        return addresses.Length > 0
            ? addresses[0]
            : throw new RpcException(RpcStatus.CannotBind, $"host '{host}' has no {(family == AddressFamily.Unspecified ? "" : family + " ")}address");
    }
}
