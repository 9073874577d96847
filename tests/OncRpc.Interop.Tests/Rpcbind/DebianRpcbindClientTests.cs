using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.Rpcbind;

/// <summary>
/// Our <see cref="RpcbindClient"/> and <see cref="RpcbindRegistration"/> against Debian's rpcbind
/// (the machine's, started by <see cref="RpcbindFixture"/> when nothing answers on port 111):
/// every query procedure over TCP, UDP and /run/rpcbind.sock, SET/UNSET in versions 4, 3 and 2
/// over the local socket (Debian accepts them only there), and rpcbind's own netbuf layout.
/// Program numbers are random in the transient range so parallel runs never collide.
/// </summary>
[Collection(RpcbindCollection.Name)]
public sealed class DebianRpcbindClientTests(RpcbindFixture rpcbind)
{
    private static readonly RpcClientOptions s_options = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static uint NewProgram() => 0x40000000u + (uint)Random.Shared.Next(0x100000, 0x1FFFFFFF);

    public static TheoryData<RpcTransportKind> Transports => [RpcTransportKind.Tcp, RpcTransportKind.Udp, RpcTransportKind.Local];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task QueriesWorkOverEveryTransport(RpcTransportKind transport)
    {
        rpcbind.SkipIfUnavailable();
        await using RpcbindClient client = await RpcbindClient.ConnectAsync("127.0.0.1", transport, s_options, Ct);
        await client.PingAsync(4, Ct);
        await client.PingAsync(3, Ct);

        IReadOnlyList<RpcbindMapping> v4 = await client.DumpAsync(4, Ct);
        IReadOnlyList<RpcbindMapping> v3 = await client.DumpAsync(3, Ct);
        Assert.Contains(v4, m => m.Program == 100000 && m.Version == 4 && m.Netid == "tcp" && m.Address.EndsWith(".0.111", StringComparison.Ordinal));
        Assert.Contains(v4, m => m.Program == 100000 && m.Netid == "local" && m.Address == RpcbindProtocol.LocalSocketPath);
        Assert.Contains(v3, m => m.Program == 100000 && m.Version == 2 && m.Netid == "udp");
        Assert.Contains(new PortmapEntry(100000, 2, 6, 111), await client.PortmapDumpAsync(Ct));
        Assert.Equal(111, await client.PortmapGetPortAsync(100000, 2, RpcbindProtocol.IpProtoUdp, Ct));

        // GETADDR answers for the transport the question came over (RFC 1833 §2.1).
        string expected = transport switch
        {
            RpcTransportKind.Tcp or RpcTransportKind.Udp => "127.0.0.1.0.111",
            _ => RpcbindProtocol.LocalSocketPath,
        };
        string netid = transport == RpcTransportKind.Local ? "local" : RpcbindNetid.For(transport, AddressFamily.InterNetwork);
        Assert.Equal(expected, await client.GetAddressAsync(100000, 4, netid, 4, Ct));
        Assert.Equal(expected, await client.GetAddressAsync(100000, 3, netid, 3, Ct));
        Assert.Equal(expected, await client.GetVersionAddressAsync(100000, 4, netid, Ct));
        Assert.Equal("", await client.GetAddressAsync(NewProgram(), 1, netid, 4, Ct));

        IReadOnlyList<RpcbindAddressEntry> list = await client.GetAddressListAsync(100000, 4, netid, Ct);
        if (transport != RpcTransportKind.Local) // over the local socket rpcbind lists only what that family can use
        {
            Assert.Contains(list, e => e.Netid == "tcp" && e.Semantics == 3 && e.ProtocolFamily == "inet" && e.Protocol == "tcp");
            Assert.Contains(list, e => e.Netid == "udp" && e.Semantics == 1 && e.Protocol == "udp");
        }

        Assert.True(Math.Abs((await client.GetTimeAsync(4, Ct) - DateTimeOffset.UtcNow).TotalSeconds) < 60);
        RpcbindStatisticsByVersion stats = await client.GetStatisticsAsync(Ct);
        Assert.True(stats.Version4.ProcedureCounts[(int)RpcbindProtocol.ProcDump] >= 1);
    }

    [Fact]
    public async Task NetbufConversionsMatchRpcbindsSockaddrLayout()
    {
        rpcbind.SkipIfUnavailable();
        await using RpcbindClient client = await RpcbindClient.ConnectAsync("127.0.0.1", RpcTransportKind.Tcp, s_options, Ct);
        NetBuffer taddr = await client.UniversalToTransportAddressAsync("127.0.0.1.8.1", 4, Ct);
        // struct sockaddr_in, host-order family: AF_INET (2), port 2049, 127.0.0.1, zero padding.
        Assert.Equal("020008017F0000010000000000000000", Convert.ToHexString(taddr.Buffer.Span));
        Assert.Equal("127.0.0.1.8.1", await client.TransportToUniversalAddressAsync(taddr, 3, Ct));
        Assert.Equal("10.1.2.3.0.111", await client.TransportToUniversalAddressAsync(
            new NetBuffer(16, Convert.FromHexString("0200006F0A0102030000000000000000")), 4, Ct));
    }

    [Fact]
    public async Task SetGetAddrUnsetOverTheLocalSocket()
    {
        rpcbind.SkipIfUnavailable();
        uint program = NewProgram();
        await using RpcbindClient local = await RpcbindClient.ConnectAsync("", RpcTransportKind.Local, s_options, Ct);
        await using RpcbindClient tcp = await RpcbindClient.ConnectAsync("127.0.0.1", RpcTransportKind.Tcp, s_options, Ct);
        await using RpcbindClient udp = await RpcbindClient.ConnectAsync("127.0.0.1", RpcTransportKind.Udp, s_options, Ct);
        try
        {
            Assert.True(await local.SetAsync(new RpcbindMapping(program, 1, "tcp", "127.0.0.1.31.64", "ignored"), 4, Ct));
            Assert.True(await local.SetAsync(new RpcbindMapping(program, 1, "udp", "127.0.0.1.31.65", "ignored"), 3, Ct));
            Assert.False(await local.SetAsync(new RpcbindMapping(program, 1, "tcp", "127.0.0.1.31.66", ""), 4, Ct));

            RpcbindMapping registered = Assert.Single(await tcp.DumpAsync(4, Ct), m => m.Program == program && m.Netid == "tcp");
            Assert.Equal("127.0.0.1.31.64", registered.Address);
            Assert.Equal("superuser", registered.Owner); // rpcbind's own idea of the owner (uid 0 here)
            Assert.Equal("127.0.0.1.31.64", await tcp.GetAddressAsync(program, 1, "tcp", 4, Ct));
            Assert.Equal("127.0.0.1.31.65", await udp.GetAddressAsync(program, 1, "udp", 3, Ct));
            Assert.Equal(8000, await udp.PortmapGetPortAsync(program, 1, RpcbindProtocol.IpProtoTcp, Ct));
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8001), await RpcbindClient.ResolveAsync("127.0.0.1", program, 1, "udp", s_options, Ct));

            // RFC 1833 UNSET with an empty netid: every transport of (program, version).
            Assert.True(await local.UnsetAsync(new RpcbindMapping(program, 1, "", "", ""), 4, Ct));
            Assert.DoesNotContain(await tcp.DumpAsync(4, Ct), m => m.Program == program);
            Assert.Null(await RpcbindClient.ResolveAsync("127.0.0.1", program, 1, "tcp", s_options, Ct));

            // The port mapper's SET/UNSET (version 2).
            Assert.True(await local.PortmapSetAsync(new PortmapEntry(program, 2, RpcbindProtocol.IpProtoUdp, 8002), Ct));
            Assert.Contains(new PortmapEntry(program, 2, 17, 8002), await udp.PortmapDumpAsync(Ct));
            Assert.Equal(8002, await tcp.PortmapGetPortAsync(program, 2, RpcbindProtocol.IpProtoUdp, Ct));
            Assert.True(await local.PortmapUnsetAsync(program, 2, Ct));
            Assert.Equal(0, await tcp.PortmapGetPortAsync(program, 2, RpcbindProtocol.IpProtoUdp, Ct));
        }
        finally
        {
            await local.UnsetAsync(new RpcbindMapping(program, 1, "", "", ""), 4, CancellationToken.None);
            await local.UnsetAsync(new RpcbindMapping(program, 2, "", "", ""), 4, CancellationToken.None);
        }
    }

    [Fact]
    public async Task RegistrationHelperRegistersAndUnregistersOurServer()
    {
        rpcbind.SkipIfUnavailable();
        uint program = NewProgram();
        var ping = new RpcProcedureDescriptor(program, 1, 1);
        await using var server = new RpcServer();
        server.Dispatcher.Register<XdrInt, XdrInt>(ping, (x, _) => ValueTask.FromResult(new XdrInt(x.Value * 2)));
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(Ct);

        var registration = new RpcbindRegistration(RpcbindRegistration.MappingsFor(server.Dispatcher.ProgramVersions(), server.EndPoints));
        try
        {
            IReadOnlyList<RpcbindRegistrationResult> results = await registration.RegisterAsync(Ct);
            Assert.Equal(2, results.Count);
            Assert.All(results, r => Assert.True(r.Registered && r.RpcbindVersion == 4, r.Error));
            var listed = await rpcbind.RpcinfoAsync(["-T", "udp", "127.0.0.1", program.ToString(System.Globalization.CultureInfo.InvariantCulture), "1"], Ct);
            Assert.True(listed.ExitCode == 0, listed.Describe());
            foreach (RpcTransportKind transport in new[] { RpcTransportKind.Tcp, RpcTransportKind.Udp })
            {
                await using RpcClient client = await RpcbindClient.CreateClientAsync("127.0.0.1", program, 1, transport, s_options, Ct);
                Assert.Equal(42, (await client.CallAsync<XdrInt, XdrInt>(ping, 21, Ct)).Value);
            }
        }
        finally
        {
            Assert.Empty(await registration.UnregisterAsync(CancellationToken.None));
        }
        await using RpcbindClient check = await RpcbindClient.ConnectAsync("127.0.0.1", RpcTransportKind.Tcp, s_options, Ct);
        Assert.DoesNotContain(await check.DumpAsync(4, Ct), m => m.Program == program);
    }
}
