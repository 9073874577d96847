using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Rpcbind;

/// <summary>Our rpcbind hosted on an <see cref="RpcServer"/> over loopback TCP, UDP and a Unix
/// socket (ephemeral ports: port 111 belongs to the host), used by our client, registration
/// helper and resolution, with a second server as the target of indirect calls.</summary>
public sealed class RpcbindEndToEndTests : IAsyncLifetime
{
    private const uint TestProgram = 0x20000101;
    private static readonly RpcProcedureDescriptor s_increment = new(TestProgram, 1, 1, "TEST", "INCREMENT");

    private readonly string _socketPath = Path.Combine(Path.GetTempPath(), $"oncrpc-rpcbind-{Guid.NewGuid():N}.sock");
    private readonly RpcbindServer _rpcbind = new();
    private RpcServer _host = null!;
    private RpcServer _target = null!;

    private EndPoint Tcp => _host.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint;
    private EndPoint Udp => _host.EndPoints.First(e => e.Transport == RpcTransportKind.Udp).EndPoint;

    private static readonly RpcClientOptions s_options = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>For calls the statistics count: a UDP retransmission (a slow moment past 1 s under
    /// load) would reach rpcbind as a second call and be counted, rightly, twice.</summary>
    private static readonly RpcClientOptions s_counted = new()
    {
        Timeout = TimeSpan.FromSeconds(5), RetransmitInterval = TimeSpan.FromSeconds(5), MaxRetransmitInterval = TimeSpan.FromSeconds(5),
    };

    public async ValueTask InitializeAsync()
    {
        _host = new RpcServer();
        _host.Dispatcher.Add(_rpcbind);
        _host.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUnix(_socketPath);
        await _host.StartAsync();
        _rpcbind.RegisterSelf(_host.EndPoints);

        _target = new RpcServer();
        _target.Dispatcher.Register<XdrInt, XdrInt>(s_increment, (x, _) => ValueTask.FromResult(new XdrInt(x.Value + 1)));
        _target.ListenUdp(new IPEndPoint(IPAddress.Loopback, 0)).ListenTcp(new IPEndPoint(IPAddress.Any, 0));
        await _target.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _target.DisposeAsync();
        await _host.DisposeAsync();
    }

    private RpcbindRegistration NewRegistration() => new(
        RpcbindRegistration.MappingsFor(_target.Dispatcher.ProgramVersions(), _target.EndPoints),
        new RpcbindRegistrationOptions { RpcbindEndPoint = new UnixDomainSocketEndPoint(_socketPath) });

    [Fact]
    public async Task EveryVersionAnswersOverEveryTransport()
    {
        foreach ((EndPoint endPoint, RpcTransportKind transport) in new[]
            { (Tcp, RpcTransportKind.Tcp), (Udp, RpcTransportKind.Udp), (new UnixDomainSocketEndPoint(_socketPath), RpcTransportKind.Local) })
        {
            await using RpcbindClient client = await RpcbindClient.ConnectAsync(endPoint, transport, s_options, TestContext.Current.CancellationToken);
            await client.PingAsync(3, TestContext.Current.CancellationToken);
            await client.PingAsync(4, TestContext.Current.CancellationToken);
            IReadOnlyList<RpcbindMapping> dump = await client.DumpAsync(4, TestContext.Current.CancellationToken);
            Assert.Contains(dump, m => m.Program == RpcbindProtocol.Program && m.Version == 4 && m.Netid == "local" && m.Address == _socketPath);
            IReadOnlyList<PortmapEntry> pmap = await client.PortmapDumpAsync(TestContext.Current.CancellationToken);
            Assert.Contains(new PortmapEntry(RpcbindProtocol.Program, 2, 17, (uint)((IPEndPoint)Udp).Port), pmap);
            Assert.True(Math.Abs((await client.GetTimeAsync(3, TestContext.Current.CancellationToken) - DateTimeOffset.UtcNow).TotalSeconds) < 5);
        }
    }

    [Fact]
    public async Task RegistrationResolutionIndirectCallsAndStatistics()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        RpcbindRegistration registration = NewRegistration();
        IReadOnlyList<RpcbindRegistrationResult> results = await registration.RegisterAsync(ct);
        Assert.All(results, r => Assert.True(r.Registered, r.Error));
        Assert.All(results, r => Assert.Equal(4u, r.RpcbindVersion));

        var targetUdp = (IPEndPoint)_target.EndPoints.First(e => e.Transport == RpcTransportKind.Udp).EndPoint;
        var targetTcp = (IPEndPoint)_target.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint;
        Assert.Contains(_rpcbind.Registrations, m => m.Program == TestProgram && m.Netid == "tcp"
            && m.Address == $"0.0.0.0.{targetTcp.Port >> 8}.{targetTcp.Port & 255}" && m.Owner == "superuser");

        // Resolution over UDP and TCP (the TCP registration is a wildcard, answered as loopback).
        EndPoint? udp = await RpcbindClient.ResolveAtAsync(Udp, IPAddress.Loopback, TestProgram, 1, "udp", RpcTransportKind.Udp, s_options, ct);
        Assert.Equal(targetUdp, udp);
        EndPoint? tcp = await RpcbindClient.ResolveAtAsync(Tcp, IPAddress.Loopback, TestProgram, 1, "tcp", RpcTransportKind.Tcp, s_options, ct);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, targetTcp.Port), tcp);
        Assert.Null(await RpcbindClient.ResolveAtAsync(Udp, IPAddress.Loopback, TestProgram + 1, 1, "udp", RpcTransportKind.Udp, s_options, ct));

        await using RpcbindClient client = await RpcbindClient.ConnectAsync(Udp, RpcTransportKind.Udp, s_counted, ct);
        Assert.Equal(targetUdp.Port, await client.PortmapGetPortAsync(TestProgram, 1, 17, ct));
        Assert.Equal(UniversalAddress.Format(targetUdp), await client.GetVersionAddressAsync(TestProgram, 1, "udp", ct));
        Assert.Equal("", await client.GetVersionAddressAsync(TestProgram, 2, "udp", ct));
        IReadOnlyList<RpcbindAddressEntry> list = await client.GetAddressListAsync(TestProgram, 1, "", ct);
        Assert.Equal(["udp", "tcp"], list.Select(e => e.Netid));

        // Indirect calls: forwarded to the target over UDP, results passed through.
        byte[] args = XdrSerializer.ToArray(new XdrInt(41));
        RpcbindRemoteCallResult indirect = await client.IndirectAsync(new RpcbindRemoteCallArgs(TestProgram, 1, 1, args), ct);
        Assert.Equal(42, XdrSerializer.Deserialize<XdrInt>(indirect.Results.Span).Value);
        Assert.Equal(UniversalAddress.Format(targetUdp), indirect.Address);
        RpcbindRemoteCallResult callit = await client.CallItAsync(new RpcbindRemoteCallArgs(TestProgram, 1, 1, args), 3, ct);
        Assert.Equal(42, XdrSerializer.Deserialize<XdrInt>(callit.Results.Span).Value);
        PortmapCallResult pmapCall = await client.PortmapCallItAsync(new RpcbindRemoteCallArgs(TestProgram, 1, 1, args), ct);
        Assert.Equal(((uint)targetUdp.Port, 42), (pmapCall.Port, XdrSerializer.Deserialize<XdrInt>(pmapCall.Results.Span).Value));
        var mismatch = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.IndirectAsync(new RpcbindRemoteCallArgs(TestProgram, 2, 1, args), ct));
        Assert.Equal(RpcStatus.ProgramMismatch, mismatch.Status);
        var self = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.IndirectAsync(new RpcbindRemoteCallArgs(RpcbindProtocol.Program, 4, 4, Array.Empty<byte>()), ct));
        Assert.Equal(RpcStatus.ProgramUnavailable, self.Status);

        RpcbindStatisticsByVersion stats = await client.GetStatisticsAsync(ct);
        Assert.Equal(1, stats.Version4.ProcedureCounts[(int)RpcbindProtocol.ProcGetStat]);
        Assert.Contains(new RpcbindRemoteCallStat(TestProgram, 1, 1, 1, 0, 1, "udp"), stats.Version4.RemoteCalls);
        Assert.Contains(new RpcbindRemoteCallStat(TestProgram, 1, 1, 1, 0, 0, "udp"), stats.Version3.RemoteCalls);
        Assert.True(stats.Version4.SetCount >= 2);

        Assert.Empty(await registration.UnregisterAsync(ct));
        Assert.DoesNotContain(_rpcbind.Registrations, m => m.Program == TestProgram);
    }

    [Fact]
    public async Task RegistrationFallsBackToThePortMapper()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        string path = _socketPath + ".v2";
        var portmapper = new RpcbindServer();
        await using var server = new RpcServer();
        portmapper.Register(server.Dispatcher, portmapOnly: true);
        server.ListenUnix(path);
        await server.StartAsync(ct);

        var registration = new RpcbindRegistration(
            RpcbindRegistration.MappingsFor(_target.Dispatcher.ProgramVersions(), _target.EndPoints),
            new RpcbindRegistrationOptions { RpcbindEndPoint = new UnixDomainSocketEndPoint(path) });
        IReadOnlyList<RpcbindRegistrationResult> results = await registration.RegisterAsync(ct);
        Assert.All(results, r => Assert.Equal((true, 2u), (r.Registered, r.RpcbindVersion)));
        Assert.Equal(["udp 0.0.0.0", "tcp 0.0.0.0"], portmapper.Registrations.Select(m => $"{m.Netid} {m.Address[..7]}"));
        Assert.Empty(await registration.UnregisterAsync(ct));
        Assert.Empty(portmapper.Registrations);
    }

    [Fact]
    public async Task StaleRegistrationIsReplaced()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using (RpcbindClient client = await RpcbindClient.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath), RpcTransportKind.Local, s_options, ct))
        {
            Assert.True(await client.SetAsync(new RpcbindMapping(TestProgram, 1, "udp", "127.0.0.1.0.9", ""), 4, ct));
        }
        IReadOnlyList<RpcbindRegistrationResult> results = await NewRegistration().RegisterAsync(ct);
        Assert.All(results, r => Assert.True(r.Registered, r.Error));
        Assert.DoesNotContain(_rpcbind.Registrations, m => m.Address == "127.0.0.1.0.9");
    }

    [Fact]
    public async Task HostileArgumentsAreGarbageNotFailures()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using RpcClient raw = await RpcClient.ConnectTcpAsync(Tcp, s_options, ct);
        // An rpcb whose netid claims 4 GiB.
        var e = await Assert.ThrowsAsync<RpcException>(async () => await raw.CallAsync<XdrUInt, XdrBool>(
            RpcbindProtocol.Descriptor(4, RpcbindProtocol.ProcSet), new XdrUInt(uint.MaxValue), ct));
        Assert.Equal(RpcStatus.GarbageArguments, e.Status);
        await using RpcbindClient client = new(raw);
        Assert.Equal("", await client.TransportToUniversalAddressAsync(new NetBuffer(1, new byte[] { 2 }), 4, ct));
        NetBuffer taddr = await client.UniversalToTransportAddressAsync("127.0.0.1.0.111", 4, ct);
        Assert.Equal("0200006F7F00000100000000000000000", Convert.ToHexString(taddr.Buffer.Span) + "0");
        Assert.Equal("127.0.0.1.0.111", await client.TransportToUniversalAddressAsync(taddr, 3, ct));
        Assert.Equal("::1.8.1", await client.TransportToUniversalAddressAsync(
            await client.UniversalToTransportAddressAsync("::1.8.1", 4, ct), 4, ct));
        Assert.Equal(0, (await client.UniversalToTransportAddressAsync("127.0.0.1.0.1111", 4, ct)).Buffer.Length);
    }
}
