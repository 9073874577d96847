using System.Net;
using System.Net.Sockets;
using OncRpc.Auth;
using OncRpc.Binding;
using OncRpc.Rpcbind;
using OncRpc.Server;

namespace OncRpc.Tests.Rpcbind;

/// <summary>The table semantics of <see cref="RpcbindServer"/>, called directly with the call
/// contexts a local or a remote caller would produce.</summary>
public sealed class RpcbindServerSemanticsTests
{
    private static readonly IPEndPoint s_loopbackCaller = new(IPAddress.Loopback, 700);
    private static readonly IPEndPoint s_remoteCaller = new(IPAddress.Parse("192.0.2.10"), 700);

    internal static RpcCallContext Context(EndPoint? remote, RpcTransportKind transport = RpcTransportKind.Udp, uint? uid = null) => new()
    {
        Xid = 1,
        Procedure = RpcbindProtocol.Descriptor(4, 1),
        Transport = transport,
        RemoteEndPoint = remote,
        Credential = OpaqueAuth.None,
        UnixCredential = uid is { } u ? new AuthSysParameters(0, "host", u, u, []) : null,
    };

    private static RpcbindMapping Map(uint prog, uint vers, string netid, string addr) => new(prog, vers, netid, addr, "ignored");

    [Fact]
    public void SetRecordsTheCallersOwnerNotTheRequested()
    {
        var server = new RpcbindServer();
        Assert.True(server.Set(4, Map(300000, 1, "tcp", "127.0.0.1.4.1"), Context(s_loopbackCaller, uid: 1000)));
        Assert.True(server.Set(4, Map(300000, 1, "udp", "127.0.0.1.4.1"), Context(s_loopbackCaller, uid: 0)));
        Assert.True(server.Set(3, Map(300000, 1, "tcp6", "::1.4.1"), Context(s_loopbackCaller)));
        Assert.Equal(["1000", "superuser", "unknown"], server.Registrations.Select(m => m.Owner));
    }

    [Fact]
    public void SetAndUnsetFromRemoteCallersAreRefusedWithAuthTooWeak()
    {
        var server = new RpcbindServer();
        var e = Assert.Throws<RpcException>(() => server.Set(4, Map(300000, 1, "tcp", "0.0.0.0.4.1"), Context(s_remoteCaller, uid: 0)));
        Assert.Equal((RpcStatus.AuthError, AuthStat.TooWeak), (e.Status, e.AuthStat));
        Assert.Throws<RpcException>(() => server.Unset(4, Map(300000, 1, "", ""), Context(s_remoteCaller, uid: 0)));
        Assert.Throws<RpcException>(() => server.PortmapSet(new PortmapEntry(300000, 1, 6, 1025), Context(s_remoteCaller, uid: 0)));
        Assert.Throws<RpcException>(() => server.PortmapUnset(new PortmapEntry(300000, 1, 6, 1025), Context(s_remoteCaller)));
        Assert.Empty(server.Registrations);
    }

    [Fact]
    public void UnixSocketCallersAndIPv6LoopbackAreLocal()
    {
        var server = new RpcbindServer();
        Assert.True(server.Set(4, Map(300000, 1, "tcp", "127.0.0.1.4.1"),
            Context(new UnixDomainSocketEndPoint("/tmp/x"), RpcTransportKind.Local, uid: 1000)));
        Assert.True(server.Set(4, Map(300000, 2, "tcp", "127.0.0.1.4.1"), Context(new IPEndPoint(IPAddress.IPv6Loopback, 1))));
        Assert.True(server.Set(4, Map(300000, 3, "tcp", "127.0.0.1.4.1"),
            Context(new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 1))));
    }

    [Theory]
    [InlineData("tcp", "::1.4.1")]          // IPv6 address under an IPv4 netid
    [InlineData("tcp", "127.0.0.1.4")]
    [InlineData("local", "relative/path")]
    [InlineData("", "127.0.0.1.4.1")]
    [InlineData("tcp tcp", "127.0.0.1.4.1")]
    [InlineData("tcp", "")]
    public void SetRejectsMalformedRegistrations(string netid, string address)
    {
        var server = new RpcbindServer();
        Assert.False(server.Set(4, Map(300000, 1, netid, address), Context(s_loopbackCaller)));
        Assert.Equal(0, server.Statistics.Version4.SetCount);
    }

    [Fact]
    public void SetOfAnExistingProgramVersionNetidFails()
    {
        var server = new RpcbindServer();
        Assert.True(server.Set(4, Map(300000, 1, "udp", "127.0.0.1.4.1"), Context(s_loopbackCaller)));
        Assert.False(server.Set(3, Map(300000, 1, "udp", "127.0.0.1.4.2"), Context(s_loopbackCaller)));
        Assert.False(server.PortmapSet(new PortmapEntry(300000, 1, 17, 1026), Context(s_loopbackCaller)));
    }

    [Fact]
    public void UnsetWithEmptyNetidRemovesOnlyWhatTheCallerOwnsUnlessSuperuser()
    {
        var server = new RpcbindServer();
        server.Set(4, Map(300000, 1, "tcp", "127.0.0.1.4.1"), Context(s_loopbackCaller, uid: 1000));
        server.Set(4, Map(300000, 1, "udp", "127.0.0.1.4.1"), Context(s_loopbackCaller, uid: 1000));
        Assert.False(server.Unset(4, Map(300000, 1, "", ""), Context(s_loopbackCaller, uid: 1001)));
        Assert.False(server.Unset(4, Map(300000, 1, "", ""), Context(s_loopbackCaller)));           // "unknown"
        Assert.True(server.Unset(4, Map(300000, 1, "", ""), Context(s_loopbackCaller, uid: 1000)));
        Assert.Empty(server.Registrations);
        server.Set(4, Map(300000, 1, "tcp", "127.0.0.1.4.1"), Context(s_loopbackCaller, uid: 1000));
        Assert.True(server.Unset(3, Map(300000, 1, "tcp", ""), Context(s_loopbackCaller, uid: 0)));  // superuser
        Assert.Equal((1, 1), (server.Statistics.Version4.UnsetCount, server.Statistics.Version3.UnsetCount));
    }

    [Fact]
    public void PortmapSetMapsProtocolToNetidAndPortToWildcardUniversalAddress()
    {
        var server = new RpcbindServer();
        var local = Context(s_loopbackCaller, uid: 1000);
        Assert.True(server.PortmapSet(new PortmapEntry(300000, 1, 6, 2049), local));
        Assert.True(server.PortmapSet(new PortmapEntry(300000, 1, 17, 2050), local));
        Assert.False(server.PortmapSet(new PortmapEntry(300000, 2, 132, 2051), local));  // SCTP: no netid
        Assert.False(server.PortmapSet(new PortmapEntry(300000, 2, 6, 70000), local));   // not a port
        Assert.Equal(
            [new RpcbindMapping(300000, 1, "tcp", "0.0.0.0.8.1", "1000"), new RpcbindMapping(300000, 1, "udp", "0.0.0.0.8.2", "1000")],
            server.Registrations);
        Assert.Equal(2049u, server.PortmapGetPort(new PortmapEntry(300000, 1, 6, 0), Context(s_remoteCaller)));
        Assert.Equal(2050u, server.PortmapGetPort(new PortmapEntry(300000, 7, 17, 0), Context(s_remoteCaller))); // any version
        Assert.Equal(0u, server.PortmapGetPort(new PortmapEntry(300001, 1, 17, 0), Context(s_remoteCaller)));
        Assert.True(server.PortmapUnset(new PortmapEntry(300000, 1, 0, 0), local));      // both protocols
        Assert.Empty(server.Registrations);
    }

    [Fact]
    public void GetAddrUsesTheTransportNetidAndMergesWildcards()
    {
        var server = new RpcbindServer();
        var local = Context(s_loopbackCaller);
        server.PortmapSet(new PortmapEntry(300000, 1, 17, 2049), local);
        server.Set(4, Map(300000, 1, "tcp", "10.1.2.3.8.1"), local);
        // Over UDP from loopback: the udp entry, wildcard merged to the loopback address.
        Assert.Equal("127.0.0.1.8.1", server.GetAddress(4, Map(300000, 1, "tcp", ""), Context(s_loopbackCaller, RpcTransportKind.Udp), anyVersion: true));
        // Over TCP: the tcp entry as registered (not a wildcard), whatever r_netid says.
        Assert.Equal("10.1.2.3.8.1", server.GetAddress(4, Map(300000, 1, "udp", ""), Context(s_loopbackCaller, RpcTransportKind.Tcp), anyVersion: true));
        // Over the Unix socket the request's netid picks the entry.
        Assert.Equal("127.0.0.1.8.1", server.GetAddress(4, Map(300000, 1, "udp", ""),
            Context(new UnixDomainSocketEndPoint("/tmp/x"), RpcTransportKind.Local), anyVersion: true));
        Assert.Equal("", server.GetAddress(4, Map(300001, 1, "", ""), Context(s_loopbackCaller), anyVersion: true));
        Assert.Equal("127.0.0.1.8.1", server.GetAddress(3, Map(300000, 9, "", ""), Context(s_loopbackCaller), anyVersion: true));
        Assert.Equal("", server.GetAddress(4, Map(300000, 9, "", ""), Context(s_loopbackCaller), anyVersion: false));
        RpcbindStatisticsByVersion stats = server.Statistics;
        Assert.Contains(new RpcbindAddressStat(300001, 1, 0, 1, "udp"), stats.Version4.AddressLookups);
    }

    [Fact]
    public void GetAddrListReportsEveryTransportWithNetconfigFields()
    {
        var server = new RpcbindServer();
        var local = Context(s_loopbackCaller);
        server.Set(4, Map(300000, 1, "tcp", "0.0.0.0.8.1"), local);
        server.Set(4, Map(300000, 1, "udp6", "::.8.1"), local);
        server.Set(4, Map(300000, 1, "local", "/run/x.sock"), local);
        RpcbindAddressEntryList list = server.GetAddressList(Map(300000, 1, "", ""), Context(s_loopbackCaller, RpcTransportKind.Tcp));
        Assert.Equal(
            [
                new RpcbindAddressEntry("127.0.0.1.8.1", "tcp", 3, "inet", "tcp"),
                new RpcbindAddressEntry("::1.8.1", "udp6", 1, "inet6", "udp"),
                new RpcbindAddressEntry("/run/x.sock", "local", 3, "loopback", "-"),
            ],
            list.Entries);
    }

    [Fact]
    public void RegisterSelfListsRpcbindLikeLinuxRpcbind()
    {
        var server = new RpcbindServer();
        server.RegisterSelf([
            new RpcInstanceEndpoint(RpcTransportKind.Tcp, new IPEndPoint(IPAddress.Any, 111)),
            new RpcInstanceEndpoint(RpcTransportKind.Udp, new IPEndPoint(IPAddress.IPv6Any, 111)),
            new RpcInstanceEndpoint(RpcTransportKind.Local, new UnixDomainSocketEndPoint("/run/rpcbind.sock")),
        ]);
        Assert.Equal(
            ["4 tcp 0.0.0.0.0.111", "3 tcp 0.0.0.0.0.111", "2 tcp 0.0.0.0.0.111", "4 udp6 ::.0.111", "3 udp6 ::.0.111",
             "4 local /run/rpcbind.sock", "3 local /run/rpcbind.sock"],
            server.Registrations.Select(m => $"{m.Version} {m.Netid} {m.Address}"));
        Assert.All(server.Registrations, m => Assert.Equal("superuser", m.Owner));
    }

    [Fact]
    public async Task IndirectCallsFromRemoteCallersAreRefusedAndRpcbindIsNeverATarget()
    {
        var server = new RpcbindServer();
        server.RegisterSelf([new RpcInstanceEndpoint(RpcTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, 111))]);
        server.Set(4, Map(300000, 1, "udp", "127.0.0.1.4.1"), Context(s_loopbackCaller));
        var args = new RpcbindRemoteCallArgs(300000, 1, 0, ReadOnlyMemory<byte>.Empty);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await server.RemoteCallAsync(4, args, Context(s_remoteCaller), indirect: true));
        Assert.Equal((RpcStatus.AuthError, AuthStat.TooWeak), (e.Status, e.AuthStat));
        await Assert.ThrowsAsync<RpcException>(async () =>
            await server.PortmapCallItAsync(new RpcbindRemoteCallArgs(300000, 1, 0, ReadOnlyMemory<byte>.Empty), Context(s_remoteCaller)));
        e = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.RemoteCallAsync(4, args with { Program = RpcbindProtocol.Program, Version = 4 }, Context(s_loopbackCaller), indirect: true));
        Assert.Equal(RpcStatus.ProgramUnavailable, e.Status);
        e = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.RemoteCallAsync(4, args with { Program = 300001 }, Context(s_loopbackCaller), indirect: true));
        Assert.Equal(RpcStatus.ProgramUnavailable, e.Status);
        e = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.RemoteCallAsync(4, args with { Version = 5 }, Context(s_loopbackCaller), indirect: true));
        Assert.Equal((RpcStatus.ProgramMismatch, 1u, 1u), (e.Status, e.Low, e.High));
        Assert.Equal(4, server.Statistics.Version4.RemoteCalls.Sum(r => r.Failure));
    }
}
