using System.Collections.Concurrent;
using System.Net;
using OncRpc.Client;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Interop.Tests.Programs;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.DotNet;

/// <summary>Our rpcbind client against Debian's rpcbind (the machine's, <see cref="RpcbindFixture"/>):
/// finding C servers registered there, and registering our server so libtirpc's clnt_create
/// finds it.</summary>
[Collection(RpcbindCollection.Name)]
public sealed class RpcbindDotNetTests(RpcbindFixture rpcbind)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly RpcClientOptions s_options = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task ResolvesCServersRegisteredWithDebianRpcbind()
    {
        var peers = CPeers.Get();
        rpcbind.SkipIfUnavailable();
        var logFile = Path.Combine(peers.Directory, $"log-{Guid.NewGuid():N}.txt");
        await using var server = await peers.StartServerAsync(peers.LogServer, "both", ["--rpcbind", "--log", logFile], Ct);

        var tcp = await RpcbindClient.ResolveAsync("127.0.0.1", LogProgram.Program, LogProgram.Version, "tcp", s_options, Ct);
        var udp = await RpcbindClient.ResolveAsync("127.0.0.1", LogProgram.Program, LogProgram.Version, "udp", s_options, Ct);
        Assert.Equal(server.TcpEndPoint, tcp);
        Assert.Equal(server.UdpEndPoint, udp);
        Assert.Null(await RpcbindClient.ResolveAsync("127.0.0.1", InteropProgram.NotServedProgram, 1, "tcp", s_options, Ct));

        await using (var rpcb = await RpcbindClient.ConnectAsync("127.0.0.1", RpcTransportKind.Tcp, s_options, Ct))
        {
            var mappings = await rpcb.DumpAsync(cancellationToken: Ct);
            Assert.Contains(mappings, m => m.Program == LogProgram.Program && m.Netid == "tcp"
                && m.Address == UniversalAddress.Format(server.TcpEndPoint));
            Assert.Contains(mappings, m => m.Program == LogProgram.Program && m.Netid == "udp"
                && m.Address == UniversalAddress.Format(server.UdpEndPoint));
        }

        foreach (var transport in new[] { RpcTransportKind.Tcp, RpcTransportKind.Udp })
        {
            await using var client = await RpcbindClient.CreateClientAsync(
                "127.0.0.1", LogProgram.Program, LogProgram.Version, transport, s_options, Ct);
            Assert.Equal(0, (await client.CallAsync<XdrString, XdrInt>(LogProgram.Rlog, $"found over {transport}", Ct)).Value);
        }
        Assert.Equal(["found over Tcp", "found over Udp"], await File.ReadAllLinesAsync(logFile, Ct));
    }

    [Fact]
    public async Task OurServerRegisteredOverTheLocalSocketIsFoundByTheCClient()
    {
        var peers = CPeers.Get();
        rpcbind.SkipIfUnavailable();
        var logged = new ConcurrentQueue<string>();
        await using var server = new RpcServer(new RpcServerOptions());
        server.Dispatcher.Register<XdrString, XdrInt>(LogProgram.Rlog, (message, _) =>
        {
            logged.Enqueue(message.Value);
            return ValueTask.FromResult(new XdrInt(0));
        });
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        server.ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(Ct);

        // Debian rpcbind takes SET/UNSET only from the local socket (or a reserved loopback port).
        await using var rpcb = await RpcbindClient.ConnectAsync("", RpcTransportKind.Local, s_options, Ct);
        var mappings = server.EndPoints
            .Select(e => new RpcbindMapping(LogProgram.Program, LogProgram.Version,
                e.Transport == RpcTransportKind.Tcp ? "tcp" : "udp", UniversalAddress.Format(e.EndPoint), ""))
            .ToList();
        // An empty netid unsets every transport (RFC 1833 RPCBPROC_UNSET).
        var all = mappings[0] with { Netid = "", Address = "" };
        await rpcb.UnsetAsync(all, cancellationToken: Ct); // a leftover from a crashed run
        try
        {
            foreach (var mapping in mappings)
            {
                Assert.True(await rpcb.SetAsync(mapping, cancellationToken: Ct), $"rpcbind refused {mapping}");
            }
            var listed = await rpcbind.RpcinfoAsync(["-p", "127.0.0.1"], Ct);
            Assert.Contains(LogProgram.ProgramDecimal, listed.StandardOutput, StringComparison.Ordinal);

            foreach (var transport in new[] { "tcp", "udp" })
            {
                // No --port: libtirpc's clnt_create asks rpcbind.
                var report = await peers.RunClientAsync(peers.LogClient,
                    ["--host", "127.0.0.1", "--transport", transport, $"C via rpcbind {transport}"], cancellationToken: Ct);
                report.AssertAllOk(1);
            }
            Assert.Equal(["C via rpcbind tcp", "C via rpcbind udp"], logged.ToArray());
        }
        finally
        {
            Assert.True(await rpcb.UnsetAsync(all, cancellationToken: CancellationToken.None));
        }
        var after = await rpcbind.RpcinfoAsync(["-p", "127.0.0.1"], Ct);
        Assert.DoesNotContain(LogProgram.ProgramDecimal, after.StandardOutput, StringComparison.Ordinal);
    }
}
