using System.Net;
using OncRpc.Binding;
using OncRpc.Client;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Binding;

/// <summary>RpcVersionNegotiator against loopback servers that serve chosen versions of one
/// program: over a connection (NULL and PROG_MISMATCH low/high) and through our rpcbind.</summary>
public sealed class VersionNegotiationTests
{
    private const uint Program = 0x20000a11;
    private static readonly RpcClientOptions s_options = new() { Timeout = TimeSpan.FromSeconds(5) };
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A server of <see cref="Program"/> in <paramref name="versions"/>: procedure 1 answers its version.</summary>
    private static async Task<RpcServer> ServeAsync(params uint[] versions)
    {
        var server = new RpcServer();
        foreach (uint version in versions)
        {
            server.Dispatcher.Register<XdrVoid, XdrUInt>(new RpcProcedureDescriptor(Program, version, 1), (_, _) => ValueTask.FromResult(new XdrUInt(version)));
        }
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(Ct);
        return server;
    }

    private static EndPoint EndPointOf(RpcServer server, RpcTransportKind transport) => server.EndPoints.First(e => e.Transport == transport).EndPoint;

    [Theory]
    [InlineData(new uint[] { 1 }, new uint[] { 1, 2 }, 1u)]
    [InlineData(new uint[] { 1, 2 }, new uint[] { 1, 2 }, 2u)]
    [InlineData(new uint[] { 2, 3 }, new uint[] { 1, 2 }, 2u)]
    [InlineData(new uint[] { 2, 3 }, new uint[] { 4, 1, 3, 2 }, 3u)]
    [InlineData(new uint[] { 1, 3 }, new uint[] { 2, 3 }, 3u)]
    public async Task Over_a_connection_the_highest_common_version_wins(uint[] served, uint[] supported, uint expected)
    {
        await using RpcServer server = await ServeAsync(served);
        await using RpcClient client = await RpcClient.ConnectTcpAsync(EndPointOf(server, RpcTransportKind.Tcp), s_options, Ct);
        uint version = await new RpcVersionNegotiator().NegotiateAsync(client, Program, supported, cancellationToken: Ct);
        Assert.Equal(expected, version);
        XdrUInt which = await client.CallAsync<XdrVoid, XdrUInt>(new RpcProcedureDescriptor(Program, version, 1), default, Ct);
        Assert.Equal(expected, which.Value);
    }

    [Theory]
    [InlineData(new uint[] { 2, 3 }, new uint[] { 1 }, 2u, 3u)]
    [InlineData(new uint[] { 2, 3 }, new uint[] { 4, 5 }, 2u, 3u)]
    // A gap inside the server's range: 2 lies between low and high but is not served.
    [InlineData(new uint[] { 1, 3 }, new uint[] { 2, 4 }, 1u, 3u)]
    public async Task No_common_version_is_program_mismatch_with_the_servers_range(uint[] served, uint[] supported, uint low, uint high)
    {
        await using RpcServer server = await ServeAsync(served);
        await using RpcClient client = await RpcClient.ConnectTcpAsync(EndPointOf(server, RpcTransportKind.Tcp), s_options, Ct);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new RpcVersionNegotiator().NegotiateAsync(client, Program, supported, cancellationToken: Ct));
        Assert.Equal(RpcStatus.ProgramMismatch, e.Status);
        Assert.Equal((low, high), (e.Low, e.High));
        Assert.Contains($"speaks {low} to {high}", e.Message);
    }

    [Fact]
    public async Task A_server_without_the_program_is_program_unavailable()
    {
        await using RpcServer server = await ServeAsync(1);
        await using RpcClient client = await RpcClient.ConnectTcpAsync(EndPointOf(server, RpcTransportKind.Tcp), s_options, Ct);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new RpcVersionNegotiator().NegotiateAsync(client, Program + 1, [1u], cancellationToken: Ct));
        Assert.Equal(RpcStatus.ProgramUnavailable, e.Status);
    }

    [Fact]
    public async Task The_answer_is_cached_per_server_until_a_program_mismatch_is_observed()
    {
        var negotiator = new RpcVersionNegotiator();
        RpcClient client;
        await using (RpcServer server = await ServeAsync(1, 2))
        {
            client = await RpcClient.ConnectTcpAsync(EndPointOf(server, RpcTransportKind.Tcp), s_options, Ct);
            Assert.Equal(2u, await negotiator.NegotiateAsync(client, Program, [1u, 2u], "a", Ct));
        }
        await using (client)
        {
            // The server is gone: only the cache can answer.
            Assert.Equal(2u, await negotiator.NegotiateAsync(client, Program, [1u, 2u], "a", Ct));
            Assert.False(negotiator.Observe("a", Program, new RpcException(RpcStatus.TimedOut, "not a version change")));
            Assert.True(negotiator.Observe("a", Program, new RpcException(RpcStatus.ProgramMismatch, "downgraded", 1, 1)));
            Assert.False(negotiator.Observe("a", Program, new RpcException(RpcStatus.ProgramMismatch, "again", 1, 1)));
            await Assert.ThrowsAsync<RpcException>(async () => await negotiator.NegotiateAsync(client, Program, [1u, 2u], "a", Ct));
        }
    }

    [Fact]
    public async Task The_cache_is_bounded_and_drops_the_least_recently_used()
    {
        var negotiator = new RpcVersionNegotiator(capacity: 2);
        await using RpcServer server = await ServeAsync(1);
        await using RpcClient client = await RpcClient.ConnectTcpAsync(EndPointOf(server, RpcTransportKind.Tcp), s_options, Ct);
        await negotiator.NegotiateAsync(client, Program, [1u], "a", Ct);
        await negotiator.NegotiateAsync(client, Program, [1u], "b", Ct);
        await negotiator.NegotiateAsync(client, Program, [1u], "a", Ct); // a is now the most recent
        await negotiator.NegotiateAsync(client, Program, [1u], "c", Ct);
        Assert.Equal(2, negotiator.Count);
        Assert.False(negotiator.Invalidate("b", Program));
        Assert.True(negotiator.Invalidate("a", Program));
        Assert.True(negotiator.Invalidate("c", Program));
        Assert.Equal(0, negotiator.Count);
        await Assert.ThrowsAsync<ArgumentException>(async () => await negotiator.NegotiateAsync(client, Program, [], "d", Ct));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpcVersionNegotiator(0));
    }

    /// <summary>Our rpcbind on loopback with <paramref name="mappings"/> registered for the program.</summary>
    private static async Task<(RpcServer Host, EndPoint RpcbindEndPoint)> RpcbindWithAsync(params (uint Version, string Netid, EndPoint At)[] mappings)
    {
        var rpcbind = new RpcbindServer();
        var host = new RpcServer();
        host.Dispatcher.Add(rpcbind);
        host.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await host.StartAsync(Ct);
        EndPoint endPoint = EndPointOf(host, RpcTransportKind.Tcp);
        await using RpcbindClient client = await RpcbindClient.ConnectAsync(endPoint, RpcTransportKind.Tcp, s_options, Ct);
        foreach ((uint version, string netid, EndPoint at) in mappings)
        {
            Assert.True(await client.SetAsync(new RpcbindMapping(Program, version, netid, UniversalAddress.Format(at), "test"), cancellationToken: Ct));
        }
        return (host, endPoint);
    }

    [Theory]
    [InlineData(new uint[] { 1 }, 1u)]
    [InlineData(new uint[] { 1, 2 }, 2u)]
    [InlineData(new uint[] { 2, 3 }, 2u)]
    public async Task Through_rpcbind_the_highest_registered_common_version_is_connected(uint[] served, uint expected)
    {
        await using RpcServer server = await ServeAsync(served);
        var (host, rpcbindEndPoint) = await RpcbindWithAsync([.. served.Select(v => (v, "tcp", EndPointOf(server, RpcTransportKind.Tcp)))]);
        await using (host)
        {
            var negotiator = new RpcVersionNegotiator();
            RpcNegotiatedClient found = await negotiator.ConnectBestAsync(rpcbindEndPoint, Program, [1u, 2u], RpcTransportKind.Tcp, s_options, Ct);
            await using (found.Client)
            {
                Assert.Equal(expected, found.Version);
                Assert.Equal(RpcVersionNegotiator.ServerKey(rpcbindEndPoint, RpcTransportKind.Tcp), found.Server);
                XdrUInt which = await found.Client.CallAsync<XdrVoid, XdrUInt>(new RpcProcedureDescriptor(Program, found.Version, 1), default, Ct);
                Assert.Equal(expected, which.Value);
            }
            Assert.Equal(1, negotiator.Count);
        }
    }

    [Fact]
    public async Task Through_rpcbind_only_the_transports_registrations_count_and_errors_say_why()
    {
        await using RpcServer server = await ServeAsync(1, 2, 3);
        var (host, rpcbindEndPoint) = await RpcbindWithAsync(
            (3, "tcp", EndPointOf(server, RpcTransportKind.Tcp)), (1, "udp", EndPointOf(server, RpcTransportKind.Udp)),
            (2, "udp", EndPointOf(server, RpcTransportKind.Udp)));
        await using (host)
        {
            var negotiator = new RpcVersionNegotiator();
            // rpcbind is asked over the transport in question, as libtirpc's rpcb_getaddr does.
            EndPoint rpcbindUdp = EndPointOf(host, RpcTransportKind.Udp);
            RpcNegotiatedVersion udp = await negotiator.ResolveAsync(rpcbindUdp, Program, [1u, 2u, 3u], RpcTransportKind.Udp, s_options, Ct);
            Assert.Equal(new RpcNegotiatedVersion(2, EndPointOf(server, RpcTransportKind.Udp)), udp);
            var mismatch = await Assert.ThrowsAsync<RpcException>(() => negotiator.ResolveAsync(rpcbindEndPoint, Program, [1u, 2u], RpcTransportKind.Tcp, s_options, Ct));
            Assert.Equal((RpcStatus.ProgramMismatch, 3u, 3u), (mismatch.Status, mismatch.Low, mismatch.High));
            var missing = await Assert.ThrowsAsync<RpcException>(() => negotiator.ResolveAsync(rpcbindEndPoint, Program + 1, [1u], RpcTransportKind.Tcp, s_options, Ct));
            Assert.Equal(RpcStatus.ProgramUnavailable, missing.Status);
        }
    }
}
