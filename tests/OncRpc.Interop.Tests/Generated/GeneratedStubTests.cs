using System.Globalization;
using System.Net;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Interop.Tests.DotNet;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Interop.Tests.Programs;
using OncRpc.Server;
using OncRpc.Xdr;
using G = OncRpc.Interop.Tests.Generated.Interop;
using L = OncRpc.Interop.Tests.Generated.Log;

namespace OncRpc.Interop.Tests.Generated;

/// <summary>
/// The stubs our compiler generates from log.x and interop.x (OncRpc.Generator, wired up in the
/// csproj) against libtirpc: the generated client against the C servers, and a server built on the
/// generated service bases driven by the C clients. Values are built with the hand-written types
/// (Programs/) and converted through their XDR bytes, so the generated codec is also checked
/// against one that libtirpc already agreed with.
/// </summary>
public sealed class GeneratedStubTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TOut Convert<TIn, TOut>(TIn value)
        where TIn : IXdrSerializable<TIn>
        where TOut : IXdrSerializable<TOut> =>
        XdrSerializer.Deserialize<TOut>(XdrSerializer.ToArray(value));

    private static async Task<RpcClient> ConnectAsync(PeerProcess server, string transport) =>
        transport == "tcp"
            ? await RpcClient.ConnectTcpAsync(server.TcpEndPoint, new RpcClientOptions { Timeout = TimeSpan.FromSeconds(10) }, Ct)
            : RpcClient.CreateUdp(server.UdpEndPoint, new RpcClientOptions { Timeout = TimeSpan.FromSeconds(10) });

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task GeneratedClientAgainstTheCServers(string transport)
    {
        var peers = CPeers.Get();
        var logFile = Path.Combine(peers.Directory, $"log-{Guid.NewGuid():N}.txt");
        await using (var logServer = await peers.StartServerAsync(peers.LogServer, transport, ["--log", logFile], Ct))
        await using (var rpc = await ConnectAsync(logServer, transport))
        {
            Assert.Equal(0, await new L.LogV1Client(rpc).RlogAsync("generated", Ct));
        }
        Assert.Equal(["generated"], await File.ReadAllLinesAsync(logFile, Ct));

        await using var server = await peers.StartServerAsync(peers.InteropServer, transport, cancellationToken: Ct);
        await using var client = await ConnectAsync(server, transport);
        var v1 = new G.InteropV1Client(client);
        var v2 = new G.InteropV2Client(client);

        await v1.InteropNullAsync(Ct);
        Assert.Equal(int.MinValue, await v1.EchoIntAsync(int.MinValue, Ct));
        Assert.Equal(ulong.MaxValue, await v1.EchoUhyperAsync(ulong.MaxValue, Ct));
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(await v1.EchoDoubleAsync(-0.0, Ct)));
        Assert.Equal(G.Color.Black, await v1.EchoColorAsync(G.Color.Black, Ct));
        Assert.Equal("h\u00e9llo", await v1.EchoTextAsync("h\u00e9llo", Ct));
        Assert.Equal(new byte[] { 1, 2, 3 }, await v1.EchoBytesAsync([1, 2, 3], Ct));

        var record = DotNetClientToCServerTests.SampleRecord();
        var generated = Convert<InteropRecord, G.Record>(record);
        var echoed = await v1.EchoRecordAsync(generated, Ct);
        Assert.Equal(generated, echoed);
        Assert.Equal(XdrSerializer.ToArray(record), XdrSerializer.ToArray(echoed));

        foreach (var choice in DotNetClientToCServerTests.SampleChoices())
        {
            var g = Convert<Choice, G.Choice>(choice);
            Assert.Equal(g, await v1.EchoChoiceAsync(g, Ct));
        }
        var blobs = Convert<Blobs, G.Blobs>(DotNetClientToCServerTests.SampleBlobs());
        Assert.Equal(blobs, await v1.EchoBlobsAsync(blobs, Ct));
        var list = Convert<NodeList, G.List>(NodeList.Sample(300));
        Assert.Equal(list, await v1.EchoListAsync(list, Ct));

        var mismatch = await Assert.ThrowsAsync<RpcException>(() => v1.FailAsync(InteropProgram.FailAuthTooWeak, Ct));
        Assert.Equal((RpcStatus.AuthError, AuthStat.TooWeak), (mismatch.Status, mismatch.AuthStat));
        Assert.Equal(2u, await v2.WhichVersion2Async(Ct));
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    [InlineData("unix")]
    public async Task GeneratedServiceBasesServeTheCClient(string transport)
    {
        var peers = CPeers.Get();
        await using var server = new RpcServer(new RpcServerOptions());
        server.Dispatcher.Add(new EchoServiceV1()).Add(new EchoServiceV2());
        string[] where;
        if (transport == "unix")
        {
            var socket = peers.NewSocketPath();
            server.ListenUnix(socket);
            where = ["--transport", "unix", "--unix", socket];
        }
        else
        {
            var endPoint = new IPEndPoint(IPAddress.Loopback, 0);
            _ = transport == "tcp" ? server.ListenTcp(endPoint) : server.ListenUdp(endPoint);
            await server.StartAsync(Ct);
            var port = ((IPEndPoint)server.EndPoints[0].EndPoint).Port;
            where = ["--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--transport", transport];
        }
        if (transport == "unix")
        {
            await server.StartAsync(Ct);
        }
        var report = await peers.RunClientAsync(peers.InteropClient,
            [.. where, "--auth", "sys", "--scenario", "all", "--scenario", "garbage_args_short"], cancellationToken: Ct);
        report.AssertAllOk(minimumChecks: 90);
        Assert.Equal("1", report["whoami"]["flavor"]);
    }

    private sealed class EchoServiceV1 : G.InteropV1ServiceBase
    {
        public override ValueTask InteropNullAsync(RpcCallContext context) => ValueTask.CompletedTask;
        public override ValueTask<int> EchoIntAsync(int arg, RpcCallContext context) => ValueTask.FromResult(arg);
        public override ValueTask<uint> EchoUintAsync(uint arg, RpcCallContext context) => ValueTask.FromResult(arg);
        public override ValueTask<long> EchoHyperAsync(long arg, RpcCallContext context) => ValueTask.FromResult(arg);
        public override ValueTask<ulong> EchoUhyperAsync(ulong arg, RpcCallContext context) => ValueTask.FromResult(arg);
        public override ValueTask<float> EchoFloatAsync(float arg, RpcCallContext context) => ValueTask.FromResult(arg);
        public override ValueTask<double> EchoDoubleAsync(double arg, RpcCallContext context) => ValueTask.FromResult(arg);
        public override ValueTask<bool> EchoBoolAsync(bool arg, RpcCallContext context) => ValueTask.FromResult(arg);
        public override ValueTask<G.Color> EchoColorAsync(G.Color color, RpcCallContext context) => ValueTask.FromResult(color);
        public override ValueTask<string> EchoTextAsync(string interopText, RpcCallContext context) => ValueTask.FromResult(interopText);
        public override ValueTask<byte[]> EchoBytesAsync(byte[] interopBytes, RpcCallContext context) => ValueTask.FromResult(interopBytes);
        public override ValueTask<G.Scalars> EchoScalarsAsync(G.Scalars scalars, RpcCallContext context) => ValueTask.FromResult(scalars);
        public override ValueTask<G.Blobs> EchoBlobsAsync(G.Blobs blobs, RpcCallContext context) => ValueTask.FromResult(blobs);
        public override ValueTask<G.Choice> EchoChoiceAsync(G.Choice choice, RpcCallContext context) => ValueTask.FromResult(choice);
        public override ValueTask<G.Painted> EchoPaintedAsync(G.Painted painted, RpcCallContext context) => ValueTask.FromResult(painted);
        public override ValueTask<G.List> EchoListAsync(G.List list, RpcCallContext context) => ValueTask.FromResult(list);
        public override ValueTask<G.Record> EchoRecordAsync(G.Record record, RpcCallContext context) => ValueTask.FromResult(record);

        public override async ValueTask<int> FailAsync(int arg, RpcCallContext context)
        {
            switch (arg)
            {
                case InteropProgram.FailSystemErr: throw new RpcException(RpcStatus.SystemError, "asked to fail");
                case InteropProgram.FailGarbageArgs: throw new RpcException(RpcStatus.GarbageArguments, "asked to fail");
                case InteropProgram.FailAuthTooWeak: throw new RpcException(AuthStat.TooWeak, "asked to fail");
                case InteropProgram.FailAuthBadCred: throw new RpcException(AuthStat.BadCred, "asked to fail");
                case InteropProgram.FailProcUnavail: throw new RpcException(RpcStatus.ProcedureUnavailable, "asked to fail");
                case InteropProgram.FailNoReply:
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                    return arg;
                default: return arg;
            }
        }

        public override ValueTask<G.Creds> WhoamiAsync(RpcCallContext context)
        {
            var unix = context.UnixCredential;
            return ValueTask.FromResult(new G.Creds
            {
                Flavor = (int)context.Credential.Flavor,
                Stamp = unix?.Stamp ?? 0,
                Machine = unix?.MachineName ?? "",
                Uid = unix?.Uid ?? 0,
                Gid = unix?.Gid ?? 0,
                Gids = unix is null ? [] : [.. unix.Gids],
            });
        }

        public override async ValueTask<uint> SleepMsAsync(uint arg, RpcCallContext context)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(arg, 60_000u)), context.CancellationToken);
            return arg;
        }

        public override ValueTask<uint> WhichVersionAsync(RpcCallContext context) => ValueTask.FromResult(1u);
    }

    private sealed class EchoServiceV2 : G.InteropV2ServiceBase
    {
        public override ValueTask InteropNull2Async(RpcCallContext context) => ValueTask.CompletedTask;
        public override ValueTask<int> EchoInt2Async(int arg, RpcCallContext context) => ValueTask.FromResult(arg);
        public override ValueTask<uint> WhichVersion2Async(RpcCallContext context) => ValueTask.FromResult(2u);
    }
}
