using System.Net;
using System.Net.Sockets;
using OncRpc.Rpcbind;
using OncRpc.Rpcbind.Internal;

namespace OncRpc.Tests.Rpcbind;

public sealed class RpcbindCodecTests
{
    [Theory]
    [InlineData("127.0.0.1.8.1", "020008017F0000010000000000000000", 16u)]
    [InlineData("::1.0.111", "0A00006F" + "00000000" + "00000000000000000000000000000001" + "00000000", 28u)]
    [InlineData("/run/rpcbind.sock", "01002F72756E2F72706362696E642E736F636B", 110u)]
    public void NetbufHoldsLinuxSockaddrLayouts(string uaddr, string hex, uint maxLength)
    {
        NetBuffer netbuf = SocketAddressCodec.ToNetBuffer(uaddr);
        Assert.Equal(hex, Convert.ToHexString(netbuf.Buffer.Span));
        Assert.Equal(maxLength, netbuf.MaxLength);
        Assert.Equal(uaddr, SocketAddressCodec.ToUniversalAddress(netbuf));
    }

    [Theory]
    [InlineData("")]
    [InlineData("02")]                                  // family only
    [InlineData("0200006F7F00")]                        // sockaddr_in cut short
    [InlineData("0A00006F00000000000000000000")]         // sockaddr_in6 cut short
    [InlineData("FFFF006F7F0000010000000000000000")]     // unknown family
    [InlineData("0100")]                                // empty path
    [InlineData("010072756E")]                          // relative path
    [InlineData("01002FFF")]                            // not UTF-8
    [InlineData("01002F610A62")]                        // control character
    public void BadNetbufsAnswerEmptyUniversalAddress(string hex) =>
        Assert.Equal("", SocketAddressCodec.ToUniversalAddress(new NetBuffer(16, Convert.FromHexString(hex))));

    [Fact]
    public void UnparsableUniversalAddressAnswersEmptyNetbuf()
    {
        NetBuffer netbuf = SocketAddressCodec.ToNetBuffer("127.0.0.1.0.1111");
        Assert.Equal((0u, 0), (netbuf.MaxLength, netbuf.Buffer.Length));
    }

    [Fact]
    public void SunPathStopsAtNul() =>
        Assert.Equal("/a", SocketAddressCodec.ToUniversalAddress(new NetBuffer(110, Convert.FromHexString("01002F6100FFFF"))));

    [Fact]
    public void MergeReplacesWildcardsWithTheCallersView()
    {
        var loopback = new RpcbindCaller(true, "udp", "unknown", IPAddress.Loopback);
        Assert.Equal("127.0.0.1.8.1", loopback.Merge(new RpcbindMapping(1, 1, "udp", "0.0.0.0.8.1", "")));
        Assert.Equal("::1.8.1", loopback.Merge(new RpcbindMapping(1, 1, "udp6", "::.8.1", "")));
        Assert.Equal("10.0.0.1.8.1", loopback.Merge(new RpcbindMapping(1, 1, "udp", "10.0.0.1.8.1", "")));
        Assert.Equal("/x", loopback.Merge(new RpcbindMapping(1, 1, "local", "/x", "")));
        var remote = new RpcbindCaller(false, "tcp", "unknown", IPAddress.Parse("192.0.2.1"));
        Assert.Equal("192.0.2.1.8.1", remote.Merge(new RpcbindMapping(1, 1, "tcp", "0.0.0.0.8.1", "")));
        Assert.Equal("::.8.1", remote.Merge(new RpcbindMapping(1, 1, "tcp6", "::.8.1", "")));   // no IPv6 view of this caller
        Assert.Equal("junk", remote.Merge(new RpcbindMapping(1, 1, "tcp", "junk", "")));
    }

    [Fact]
    public void CallerNetidFollowsTransportAndFamily()
    {
        Assert.Equal("tcp6", RpcbindCaller.From(RpcbindServerSemanticsTests.Context(new IPEndPoint(IPAddress.IPv6Loopback, 1), RpcTransportKind.Tcp)).Netid);
        Assert.Equal("udp", RpcbindCaller.From(RpcbindServerSemanticsTests.Context(new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.1"), 1))).Netid);
        Assert.False(RpcbindCaller.From(RpcbindServerSemanticsTests.Context(new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.1"), 1))).IsLocal);
        RpcbindCaller unix = RpcbindCaller.From(RpcbindServerSemanticsTests.Context(new UnixDomainSocketEndPoint("/tmp/s"), RpcTransportKind.Local, uid: 1234));
        Assert.Equal((true, "local", "1234"), (unix.IsLocal, unix.Netid, unix.Owner));
    }

    [Fact]
    public void ProgramNamesComeFromEtcRpcWithRpcbindAlwaysKnown()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "# comment\nnfs\t\t100003\tnfsprog\nbogus line\nmountd 100005 mount showmount # trailing\n");
            (Dictionary<string, uint> byName, Dictionary<uint, string> byNumber) = RpcProgramNames.Load(path);
            Assert.Equal(100003u, byName["nfsprog"]);
            Assert.Equal(100005u, byName["showmount"]);
            Assert.Equal("mountd", byNumber[100005]);
            Assert.Equal(100000u, byName["rpcbind"]);
            (byName, _) = RpcProgramNames.Load(path + ".missing");
            Assert.Equal(100000u, byName["portmapper"]);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Equal(100000u, RpcProgramNames.Parse("rpcbind"));
        Assert.Equal(824395111u, RpcProgramNames.Parse("824395111"));
        Assert.Throws<FormatException>(() => RpcProgramNames.Parse("-1"));
        Assert.Throws<FormatException>(() => RpcProgramNames.Parse("no-such-program-name"));
    }
}
