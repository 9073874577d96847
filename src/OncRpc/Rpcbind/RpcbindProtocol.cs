namespace OncRpc.Rpcbind;

/// <summary>
/// Numbers of the port mapper (version 2) and rpcbind (versions 3 and 4) protocol, RFC 1833,
/// with one descriptor per procedure for <see cref="Client.RpcClient.CallAsync{TArgs, TResult}(RpcProcedureDescriptor, TArgs, CancellationToken)"/>.
/// </summary>
public static class RpcbindProtocol
{
    /// <summary>Program number of rpcbind and the port mapper (RFC 1833 §2, §3).</summary>
    public const uint Program = 100000;

    /// <summary>The well-known port of rpcbind over TCP and UDP.</summary>
    public const int Port = 111;

    /// <summary>Where Linux's rpcbind listens for local (AF_UNIX) callers.</summary>
    public const string LocalSocketPath = "/run/rpcbind.sock";

    /// <summary>Port mapper protocol version (RFC 1833 §3).</summary>
    public const uint PortmapVersion = 2;

    /// <summary>rpcbind protocol version 3 (RFC 1833 §2.1).</summary>
    public const uint Version3 = 3;

    /// <summary>rpcbind protocol version 4 (RFC 1833 §2.2).</summary>
    public const uint Version4 = 4;

    /// <summary>IPPROTO_TCP, the <see cref="PortmapEntry.Protocol"/> of TCP mappings.</summary>
    public const uint IpProtoTcp = 6;

    /// <summary>IPPROTO_UDP, the <see cref="PortmapEntry.Protocol"/> of UDP mappings.</summary>
    public const uint IpProtoUdp = 17;

    // Port mapper v2 procedures (pmap_prot.x).
    public const uint PmapProcNull = 0;
    public const uint PmapProcSet = 1;
    public const uint PmapProcUnset = 2;
    public const uint PmapProcGetPort = 3;
    public const uint PmapProcDump = 4;
    public const uint PmapProcCallIt = 5;

    // rpcbind v3/v4 procedures (rpcb_prot.x).
    public const uint ProcNull = 0;
    public const uint ProcSet = 1;
    public const uint ProcUnset = 2;
    public const uint ProcGetAddr = 3;
    public const uint ProcDump = 4;
    public const uint ProcCallIt = 5;
    public const uint ProcBcast = 5;
    public const uint ProcGetTime = 6;
    public const uint ProcUaddr2Taddr = 7;
    public const uint ProcTaddr2Uaddr = 8;
    public const uint ProcGetVersAddr = 9;
    public const uint ProcIndirect = 10;
    public const uint ProcGetAddrList = 11;
    public const uint ProcGetStat = 12;

    /// <summary>RPCBSTAT_HIGHPROC: procedures counted per version in <see cref="RpcbindStatistics.ProcedureCounts"/>.</summary>
    public const int StatHighProc = 13;

    /// <summary>RPCBVERS_STAT: versions in <see cref="RpcbindStatisticsByVersion"/> (index 0 is v2, 1 v3, 2 v4).</summary>
    public const int StatVersions = 3;

    /// <summary>The descriptor of procedure <paramref name="procedure"/> of <paramref name="version"/>.</summary>
    public static RpcProcedureDescriptor Descriptor(uint version, uint procedure) =>
        new(Program, version, procedure, version == PortmapVersion ? "portmapper" : "rpcbind", ProcedureName(version, procedure));

    /// <summary>The C name of a procedure (PMAPPROC_* for version 2, RPCBPROC_* otherwise), or null.</summary>
    public static string? ProcedureName(uint version, uint procedure) => version == PortmapVersion
        ? procedure switch
        {
            0 => "PMAPPROC_NULL",
            1 => "PMAPPROC_SET",
            2 => "PMAPPROC_UNSET",
            3 => "PMAPPROC_GETPORT",
            4 => "PMAPPROC_DUMP",
            5 => "PMAPPROC_CALLIT",
            _ => null,
        }
        : procedure switch
        {
            0 => "RPCBPROC_NULL",
            1 => "RPCBPROC_SET",
            2 => "RPCBPROC_UNSET",
            3 => "RPCBPROC_GETADDR",
            4 => "RPCBPROC_DUMP",
            5 => version == Version4 ? "RPCBPROC_BCAST" : "RPCBPROC_CALLIT",
            6 => "RPCBPROC_GETTIME",
            7 => "RPCBPROC_UADDR2TADDR",
            8 => "RPCBPROC_TADDR2UADDR",
            9 when version == Version4 => "RPCBPROC_GETVERSADDR",
            10 when version == Version4 => "RPCBPROC_INDIRECT",
            11 when version == Version4 => "RPCBPROC_GETADDRLIST",
            12 when version == Version4 => "RPCBPROC_GETSTAT",
            _ => null,
        };
}
