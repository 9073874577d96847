using System.Net;
using System.Net.Sockets;
using OncRpc.Rpcbind;

namespace OncRpc.Tests.Rpcbind;

public sealed class UniversalAddressTests
{
    [Theory]
    [InlineData("127.0.0.1.0.111", "127.0.0.1", 111)]
    [InlineData("0.0.0.0.0.0", "0.0.0.0", 0)]
    [InlineData("255.255.255.255.255.255", "255.255.255.255", 65535)]
    [InlineData("10.231.0.2.8.1", "10.231.0.2", 2049)]
    [InlineData("::1.0.111", "::1", 111)]
    [InlineData("::.0.111", "::", 111)]
    [InlineData("fe80::1:2.3.4", "fe80::1:2", 772)]
    [InlineData("2001:db8::ff00:42:8329.8.1", "2001:db8::ff00:42:8329", 2049)]
    [InlineData("::ffff:127.0.0.1.0.111", "::ffff:127.0.0.1", 111)]
    [InlineData("2001:DB8::1.1.0", "2001:db8::1", 256)]
    public void ParsesValidAddresses(string uaddr, string host, int port)
    {
        Assert.True(UniversalAddress.TryParse(uaddr, out IPEndPoint endPoint));
        Assert.Equal(IPAddress.Parse(host), endPoint.Address);
        Assert.Equal(port, endPoint.Port);
    }

    [Theory]
    [InlineData("127.0.0.1", 111, "127.0.0.1.0.111")]
    [InlineData("0.0.0.0", 2049, "0.0.0.0.8.1")]
    [InlineData("::1", 111, "::1.0.111")]
    [InlineData("::", 65535, "::.255.255")]
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001", 1, "2001:db8::1.0.1")]
    [InlineData("::ffff:10.0.0.1", 80, "::ffff:10.0.0.1.0.80")]
    public void FormatsExactly(string host, int port, string expected)
    {
        Assert.Equal(expected, UniversalAddress.Format(IPAddress.Parse(host), port));
        Assert.Equal(expected, UniversalAddress.Format(new IPEndPoint(IPAddress.Parse(host), port)));
    }

    [Fact]
    public void FormatDropsIPv6ScopeId()
    {
        var address = IPAddress.Parse("fe80::1%2");
        Assert.Equal("fe80::1.0.111", UniversalAddress.Format(address, 111));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("127.0.0.1")]              // no port
    [InlineData("127.0.0.1.0")]            // half a port
    [InlineData("127.0.0.1.0.111.5")]      // seven parts
    [InlineData("127.0.0.0.1.0.111")]
    [InlineData("256.0.0.1.0.111")]
    [InlineData("127.0.0.1.256.0")]
    [InlineData("127.0.0.1.0.256")]
    [InlineData("127.0.0.1.-1.0")]
    [InlineData("127.0.0.1.+1.0")]
    [InlineData("127.0.0.01.0.111")]       // leading zero (octal in inet_aton)
    [InlineData("127.0.0.1.00.111")]
    [InlineData("127.0.0.1.0.0111")]
    [InlineData(" 127.0.0.1.0.111")]
    [InlineData("127.0.0.1.0.111 ")]
    [InlineData("127.0.0.1.0.111\n")]
    [InlineData("127.0.0.1.0.1\u0661")]    // Arabic-Indic digit one
    [InlineData("127.0..1.0.111")]
    [InlineData(".127.0.0.1.0.111")]
    [InlineData("localhost.0.111")]
    [InlineData("0x7f.0.0.1.0.111")]
    [InlineData("2130706433.0.111")]       // 127.0.0.1 as one number
    [InlineData("[::1].0.111")]
    [InlineData("::1%lo.0.111")]
    [InlineData("::1%1.0.111")]
    [InlineData(":::1.0.111")]
    [InlineData("1:2:3:4:5:6:7:8:9.0.111")]
    [InlineData("::ffff:1.2.3.0.111")]      // embedded IPv4 short
    [InlineData("::ffff:1.2.3.04.0.111")]
    [InlineData("::g.0.111")]
    [InlineData("::1.0.1.1")]               // too many port parts for IPv6... parses as ::1.0 host
    [InlineData("/run/rpcbind.sock")]
    public void RejectsHostileOrMalformedAddresses(string uaddr)
    {
        Assert.False(UniversalAddress.TryParse(uaddr, out _));
        Assert.Throws<FormatException>(() => UniversalAddress.Parse(uaddr));
    }

    [Fact]
    public void RejectsNullAndHugeInput()
    {
        Assert.False(UniversalAddress.TryParse((string?)null, out _));
        Assert.False(UniversalAddress.TryParse(new string('1', 1_000_000), out _));
        Assert.False(UniversalAddress.TryParse(string.Concat(Enumerable.Repeat("1.", 100_000)) + "1", out _));
    }

    [Theory]
    [InlineData("tcp", "127.0.0.1.0.111", true)]
    [InlineData("udp", "127.0.0.1.0.111", true)]
    [InlineData("tcp6", "127.0.0.1.0.111", false)]
    [InlineData("udp6", "::1.0.111", true)]
    [InlineData("tcp", "::1.0.111", false)]
    [InlineData("rawip", "127.0.0.1.0.111", false)]
    [InlineData("local", "/run/rpcbind.sock", true)]
    [InlineData("unix", "/var/run/rpcbind.sock", true)]
    [InlineData("local", "run/rpcbind.sock", false)]
    [InlineData("local", "", false)]
    [InlineData("local", "/tmp/a\0b", false)]
    [InlineData("local", "/tmp/a\nb", false)]
    public void ParsesPerNetid(string netid, string uaddr, bool valid)
    {
        Assert.Equal(valid, UniversalAddress.TryParse(uaddr, netid, out EndPoint endPoint));
        if (valid && RpcbindNetid.IsLocal(netid))
        {
            Assert.Equal(uaddr, Assert.IsType<UnixDomainSocketEndPoint>(endPoint).ToString());
        }
    }

    [Fact]
    public void LocalPathMustFitSunPath()
    {
        Assert.True(UniversalAddress.IsValidLocalPath("/" + new string('a', 106)));
        Assert.False(UniversalAddress.IsValidLocalPath("/" + new string('a', 107)));
        Assert.False(UniversalAddress.IsValidLocalPath("/" + new string('\u00e9', 54))); // 109 UTF-8 bytes
    }

    [Fact]
    public void FormatsUnixEndPointAsItsPath() =>
        Assert.Equal("/run/rpcbind.sock", UniversalAddress.Format((EndPoint)new UnixDomainSocketEndPoint("/run/rpcbind.sock")));

    [Fact]
    public void RoundTripsEveryPortBoundary()
    {
        foreach (int port in new[] { 0, 1, 255, 256, 257, 111, 2049, 32767, 32768, 65534, 65535 })
        {
            var endPoint = new IPEndPoint(IPAddress.Parse("192.0.2.7"), port);
            Assert.Equal(endPoint, UniversalAddress.Parse(UniversalAddress.Format(endPoint)));
            var v6 = new IPEndPoint(IPAddress.Parse("2001:db8::7"), port);
            Assert.Equal(v6, UniversalAddress.Parse(UniversalAddress.Format(v6)));
        }
    }

    [Theory]
    [InlineData("tcp", RpcTransportKind.Tcp, AddressFamily.InterNetwork)]
    [InlineData("udp6", RpcTransportKind.Udp, AddressFamily.InterNetworkV6)]
    [InlineData("unix", RpcTransportKind.Local, AddressFamily.Unix)]
    public void NetidsMapToTransports(string netid, RpcTransportKind transport, AddressFamily family)
    {
        Assert.True(RpcbindNetid.TryParse(netid, out var t, out var f));
        Assert.Equal((transport, family), (t, f));
        Assert.False(RpcbindNetid.TryParse("TCP ", out _, out _));
        Assert.Equal(RpcbindNetid.Tcp6, RpcbindNetid.For(RpcTransportKind.Tcp, AddressFamily.InterNetworkV6));
        Assert.Equal(RpcbindNetid.Local, RpcbindNetid.For(RpcTransportKind.Local, AddressFamily.Unix));
    }
}
