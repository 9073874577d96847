using OncRpc.Rpcbind;
using OncRpc.Xdr;

namespace OncRpc.Fuzz;

/// <summary>The rpcbind/portmap decoders of src/OncRpc/Rpcbind (RFC 1833): what our rpcbind
/// server decodes from any caller and what our client decodes from any rpcbind.</summary>
public sealed class RpcbindFuzzTests
{
    private static void Fuzz<T>(string name, params T[] seeds) where T : IXdrSerializable<T> =>
        FuzzRunner.Run(name, (ref XdrReader r) => T.ReadFrom(ref r), (ref XdrWriter w, T v) => v.WriteTo(ref w),
            seeds.Select(s => FuzzRunner.Seed(s, (ref XdrWriter w, T v) => v.WriteTo(ref w))).ToArray());

    private static readonly RpcbindMapping s_mapping = new(100003, 3, "tcp", "127.0.0.1.8.1", "superuser");

    [FuzzFact]
    public void Mapping() => Fuzz("rpcb", s_mapping, new RpcbindMapping(1, 2, "", "", ""));

    [FuzzFact]
    public void MappingList() => Fuzz("rpcblist_ptr (DUMP)",
        new RpcbindMappingList([s_mapping, s_mapping with { Netid = "udp6", Address = "::1.8.1" }]), new RpcbindMappingList([]));

    [FuzzFact]
    public void PortmapList() => Fuzz("pmaplist_ptr (PMAPPROC_DUMP)",
        new PortmapList([new PortmapEntry(100000, 2, 6, 111), new PortmapEntry(100003, 3, 17, 2049)]));

    [FuzzFact]
    public void RemoteCallArguments() => Fuzz("rpcb_rmtcallargs (CALLIT, INDIRECT)",
        new RpcbindRemoteCallArgs(100005, 1, 0, new byte[] { 1, 2, 3, 4, 5 }), new RpcbindRemoteCallArgs(1, 1, 1, Array.Empty<byte>()));

    [FuzzFact]
    public void RemoteCallResult() => Fuzz("rpcb_rmtcallres", new RpcbindRemoteCallResult("127.0.0.1.4.1", new byte[] { 0, 0, 0, 42 }));

    [FuzzFact]
    public void AddressList() => Fuzz("rpcb_entry_list_ptr (GETADDRLIST)",
        new RpcbindAddressEntryList([new RpcbindAddressEntry("127.0.0.1.8.1", "tcp", 3, "inet", "tcp")]));

    [FuzzFact]
    public void Statistics() => Fuzz("rpcb_stat (GETSTAT)",
        new RpcbindStatistics(new int[RpcbindProtocol.StatHighProc], 2, 1,
            [new RpcbindAddressStat(100003, 3, 4, 1, "tcp")], [new RpcbindRemoteCallStat(100003, 3, 0, 1, 0, 1, "udp")]),
        RpcbindStatistics.Empty);

    [FuzzFact]
    public void NetBuffer() => Fuzz("netbuf (TADDR2UADDR)", new NetBuffer(16, new byte[] { 2, 0, 0, 111, 127, 0, 0, 1 }));
}
