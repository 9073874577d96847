using OncRpc.Xdr;

namespace OncRpc.Rpcbind;

public sealed partial class RpcbindClient
{
    // ---- port mapper, version 2 (RFC 1833 §3) ----

    /// <summary>PMAPPROC_SET: registers (program, version, protocol) at a port on the server's
    /// host; false when already registered or refused.</summary>
    public async Task<bool> PortmapSetAsync(PortmapEntry mapping, CancellationToken cancellationToken = default) =>
        await CallAsync<PortmapEntry, XdrBool>(RpcbindProtocol.PortmapVersion, RpcbindProtocol.PmapProcSet, mapping, cancellationToken)
            .ConfigureAwait(false);

    /// <summary>PMAPPROC_UNSET: removes (program, version) for both TCP and UDP; protocol and port
    /// are ignored.</summary>
    public async Task<bool> PortmapUnsetAsync(uint program, uint version, CancellationToken cancellationToken = default) =>
        await CallAsync<PortmapEntry, XdrBool>(RpcbindProtocol.PortmapVersion, RpcbindProtocol.PmapProcUnset,
            new PortmapEntry(program, version, 0, 0), cancellationToken).ConfigureAwait(false);

    /// <summary>PMAPPROC_GETPORT: the port of (program, version) over <paramref name="protocol"/>
    /// (<see cref="RpcbindProtocol.IpProtoTcp"/> or <see cref="RpcbindProtocol.IpProtoUdp"/>); 0
    /// when not registered.</summary>
    public async Task<int> PortmapGetPortAsync(uint program, uint version, uint protocol, CancellationToken cancellationToken = default)
    {
        uint port = await CallAsync<PortmapEntry, XdrUInt>(RpcbindProtocol.PortmapVersion, RpcbindProtocol.PmapProcGetPort,
            new PortmapEntry(program, version, protocol, 0), cancellationToken).ConfigureAwait(false);
        return port <= 65535 ? (int)port
            : throw new RpcException(RpcStatus.CannotDecodeReply, $"the port mapper answered port {port}, which is not a port");
    }

    /// <summary>PMAPPROC_DUMP: every registration the port mapper can express.</summary>
    public async Task<IReadOnlyList<PortmapEntry>> PortmapDumpAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync<XdrVoid, PortmapList>(RpcbindProtocol.PortmapVersion, RpcbindProtocol.PmapProcDump, default, cancellationToken)
            .ConfigureAwait(false)).Entries;

    /// <summary>PMAPPROC_CALLIT: asks the port mapper to call a registered procedure over UDP.
    /// It answers only on success, so failures show as <see cref="RpcStatus.TimedOut"/>.</summary>
    public async Task<PortmapCallResult> PortmapCallItAsync(RpcbindRemoteCallArgs arguments, CancellationToken cancellationToken = default) =>
        await CallAsync<RpcbindRemoteCallArgs, PortmapCallResult>(RpcbindProtocol.PortmapVersion, RpcbindProtocol.PmapProcCallIt,
            arguments, cancellationToken).ConfigureAwait(false);
}
