using OncRpc.Rpcbind;
using OncRpc.Xdr;

namespace OncRpc.Tests.Rpcbind;

/// <summary>Byte-exact vectors: each hex string was produced by libtirpc's own xdr_pmap,
/// xdr_pmaplist_ptr, xdr_rpcb, xdr_rpcblist_ptr, xdr_rpcb_entry_list_ptr, xdr_netbuf and
/// xdr_rpcb_stat_byvers on the same values (a throwaway C program against -ltirpc).</summary>
public sealed class RpcbindXdrTests
{
    private static void AssertVector<T>(T value, string hex) where T : IXdrSerializable<T>
    {
        Assert.Equal(hex, Convert.ToHexString(XdrSerializer.ToArray(value)));
        T decoded = XdrSerializer.Deserialize<T>(Convert.FromHexString(hex), XdrReaderOptions.Strict);
        Assert.Equal(value, decoded);
        Assert.Equal(hex, Convert.ToHexString(XdrSerializer.ToArray(decoded)));
    }

    [Fact]
    public void Pmap() => AssertVector(new PortmapEntry(100003, 3, 17, 2049), "000186A3000000030000001100000801");

    [Fact]
    public void PmapList() => AssertVector(
        new PortmapList([new PortmapEntry(100000, 2, 17, 111), new PortmapEntry(100000, 2, 6, 111)]),
        "00000001000186A000000002000000110000006F00000001000186A000000002000000060000006F00000000");

    [Fact]
    public void EmptyPmapList() => AssertVector(new PortmapList([]), "00000000");

    [Fact]
    public void Rpcb() => AssertVector(
        new RpcbindMapping(100000, 4, "tcp", "0.0.0.0.0.111", "superuser"),
        "000186A00000000400000003746370000000000D302E302E302E302E302E31313100000000000009737570657275736572000000");

    [Fact]
    public void RpcbList() => AssertVector(
        new RpcbindMappingList([
            new RpcbindMapping(100000, 3, "local", "/run/rpcbind.sock", "superuser"),
            new RpcbindMapping(100024, 1, "udp6", "::.128.1", "unknown"),
        ]),
        "00000001000186A000000003000000056C6F63616C000000000000112F72756E2F72706362696E642E736F636B0000000000000973757065727573657200000000000001000186B8000000010000000475647036000000083A3A2E3132382E3100000007756E6B6E6F776E0000000000");

    [Fact]
    public void RpcbEntryList() => AssertVector(
        new RpcbindAddressEntryList([new RpcbindAddressEntry("127.0.0.1.8.1", "tcp", 3, "inet", "tcp")]),
        "000000010000000D3132372E302E302E312E382E3100000000000003746370000000000300000004696E6574000000037463700000000000");

    [Fact]
    public void Netbuf() => AssertVector(
        new NetBuffer(16, new byte[] { 2, 0, 0, 111, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }),
        "00000010000000100200006F7F0000010000000000000000");

    [Fact]
    public void StatByVersion()
    {
        int[] v2 = new int[13];
        v2[3] = 5;
        int[] v4 = new int[13];
        v4[12] = 7;
        var value = new RpcbindStatisticsByVersion(
            new RpcbindStatistics(v2, 1, 0, [], []),
            new RpcbindStatistics(new int[13], 0, 0, [], [new RpcbindRemoteCallStat(100005, 1, 0, 1, 0, 1, "udp")]),
            new RpcbindStatistics(v4, 0, 2, [new RpcbindAddressStat(100003, 3, 2, 1, "udp")], []));
        AssertVector(value,
            "00000000000000000000000000000005000000000000000000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001000186A5000000010000000000000001000000000000000100000003756470000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007000000000000000200000001000186A300000003000000020000000100000003756470000000000000000000");
        Assert.Equal(7, value[4].ProcedureCounts[12]);
    }

    [Fact]
    public void RemoteCallArgsAndResults()
    {
        AssertVector(new RpcbindRemoteCallArgs(100005, 1, 0, new byte[] { 1, 2, 3, 4, 5 }),
            "000186A5000000010000000000000005" + "0102030405000000");
        AssertVector(new RpcbindRemoteCallResult("127.0.0.1.3.255", new byte[] { 0, 0, 0, 1 }),
            "0000000F3132372E302E302E312E332E32353500" + "0000000400000001");
        AssertVector(new RpcbindRemoteCallArgs(100005, 1, 0, Array.Empty<byte>()), "000186A5000000010000000000000000");
        AssertVector(new PortmapCallResult(1023, new byte[] { 0, 0, 0, 1 }), "000003FF0000000400000001");
    }

    [Fact]
    public void LongListDecodesWithoutRecursion()
    {
        const int count = 200_000;
        var entries = Enumerable.Range(0, count).Select(i => new PortmapEntry((uint)i, 1, 6, 1)).ToArray();
        byte[] bytes = XdrSerializer.ToArray(new PortmapList(entries));
        PortmapList decoded = XdrSerializer.Deserialize<PortmapList>(bytes);
        Assert.Equal(count, decoded.Entries.Count);
        Assert.Equal((uint)(count - 1), decoded.Entries[^1].Program);
    }

    [Theory]
    [InlineData("00000001000186A0")]                   // element cut short
    [InlineData("00000001000186A000000002000000110000006F")] // no terminating flag
    [InlineData("00000002")]                           // flag that is not a bool
    public void TruncatedOrBadListsThrowXdrException(string hex) =>
        Assert.Throws<XdrException>(() => XdrSerializer.Deserialize<PortmapList>(Convert.FromHexString(hex)));

    [Fact]
    public void HugeDeclaredStringLengthIsRejectedBeforeAllocating()
    {
        // rpcb with r_netid claiming 4 GiB - 1 bytes in a 20-byte message.
        byte[] bytes = Convert.FromHexString("000186A000000004FFFFFFFF7463700000000000");
        var e = Assert.Throws<XdrException>(() => XdrSerializer.Deserialize<RpcbindMapping>(bytes));
        Assert.Equal(8, e.Offset);
    }

    [Fact]
    public void StatisticsNeedExactlyThirteenCounts()
    {
        var bad = new RpcbindStatistics(new int[12], 0, 0, [], []);
        Assert.Throws<ArgumentException>(() => XdrSerializer.ToArray(bad));
        Assert.Throws<XdrException>(() => XdrSerializer.Deserialize<RpcbindStatistics>(new byte[12 * 4]));
    }
}
