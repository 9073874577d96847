using OncRpc.Binding;
using OncRpc.Client;
using OncRpc.Interop.Tests.Generated.Versions;
using OncRpc.Interop.Tests.Infrastructure;

namespace OncRpc.Interop.Tests.Rpcbind;

/// <summary>Version negotiation against libtirpc: versions_svc (versions.x) registers versions 1
/// and 2 of one program with Debian's rpcbind; the generated VersionsClient finds the best one
/// through rpcbind and over a plain connection.</summary>
[Collection(RpcbindCollection.Name)]
public sealed class VersionNegotiationInteropTests(RpcbindFixture rpcbind)
{
    private static readonly RpcClientOptions s_options = new() { Timeout = TimeSpan.FromSeconds(5) };
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Generated_client_negotiates_version_2_through_the_real_rpcbind_and_over_a_connection()
    {
        var peers = CPeers.Get();
        rpcbind.SkipIfUnavailable();
        await using var server = await peers.StartServerAsync(peers.VersionsServer, "both", ["--rpcbind"], Ct);
        var negotiator = new RpcVersionNegotiator();
        foreach (RpcTransportKind transport in new[] { RpcTransportKind.Tcp, RpcTransportKind.Udp })
        {
            VersionsClient best = await VersionsClient.ConnectBestAsync("127.0.0.1", transport, s_options, negotiator, Ct);
            await using (best.RpcClient)
            {
                Assert.Equal(2u, best.Version);
                Assert.Null(best.V1);
                Assert.Equal(2u, await best.V2!.WhichAsync(Ct));
                Assert.Equal(42, await best.V2.EchoAsync(42, Ct));
            }
        }
        Assert.Equal(2, negotiator.Count); // one answer per transport

        // No rpcbind: NULL on version 2 over the server's own port.
        await using RpcClient direct = await RpcClient.ConnectTcpAsync(server.TcpEndPoint, s_options, Ct);
        VersionsClient negotiated = await VersionsClient.NegotiateAsync(direct, "versions_svc", negotiator, Ct);
        Assert.Equal(2u, await negotiated.V2!.WhichAsync(Ct));
        // libtirpc's PROG_MISMATCH carries its low/high: 1 and 2.
        var e = await Assert.ThrowsAsync<RpcException>(async () => await negotiator.NegotiateAsync(direct, VersionsClient.Program, [3u, 4u], cancellationToken: Ct));
        Assert.Equal((RpcStatus.ProgramMismatch, 1u, 2u), (e.Status, e.Low, e.High));
    }

    [Fact]
    public async Task A_server_with_version_1_only_gets_the_version_1_client()
    {
        var peers = CPeers.Get();
        rpcbind.SkipIfUnavailable();
        await using var server = await peers.StartServerAsync(peers.VersionsServer, "tcp", ["--rpcbind", "--only", "1"], Ct);
        VersionsClient best = await VersionsClient.ConnectBestAsync("127.0.0.1", RpcTransportKind.Tcp, s_options, new RpcVersionNegotiator(), Ct);
        await using (best.RpcClient)
        {
            Assert.Equal(1u, best.Version);
            Assert.Null(best.V2);
            Assert.Equal(1u, await best.V1!.WhichAsync(Ct));
        }
        // A later call to version 2 fails with PROG_MISMATCH: shown to the negotiator, it drops nothing
        // cached under another key, and the generated client's Observe ties it to its own key.
        await using RpcClient direct = await RpcClient.ConnectTcpAsync(server.TcpEndPoint, s_options, Ct);
        var mismatch = await Assert.ThrowsAsync<RpcException>(async () => await VersionsClient.Create(direct, 2).V2!.WhichAsync(Ct));
        Assert.Equal((RpcStatus.ProgramMismatch, 1u, 1u), (mismatch.Status, mismatch.Low, mismatch.High));
        Assert.True(best.Observe(mismatch));
    }
}
