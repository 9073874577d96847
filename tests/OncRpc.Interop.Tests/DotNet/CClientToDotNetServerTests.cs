using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using OncRpc.Auth;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Interop.Tests.Programs;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.DotNet;

/// <summary>The C reference clients (libtirpc + rpcgen) against our <see cref="RpcServer"/>
/// serving log.x and interop.x, over TCP and UDP: the same scenarios the C server passes.</summary>
public sealed class CClientToDotNetServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>interop.x on our server, with every procedure behaving as interop_svc.c does.</summary>
    internal static RpcServer CreateInteropServer(RpcServerOptions? options = null)
    {
        var server = new RpcServer(options ?? new RpcServerOptions());
        var d = server.Dispatcher;
        d.Register<XdrVoid, XdrVoid>(InteropProgram.Null, (a, _) => ValueTask.FromResult(a));
        Echo<XdrInt>(d, InteropProgram.EchoInt);
        Echo<XdrUInt>(d, InteropProgram.EchoUInt);
        Echo<XdrHyper>(d, InteropProgram.EchoHyper);
        Echo<XdrUHyper>(d, InteropProgram.EchoUHyper);
        Echo<XdrFloat>(d, InteropProgram.EchoFloat);
        Echo<XdrDouble>(d, InteropProgram.EchoDouble);
        Echo<XdrBool>(d, InteropProgram.EchoBool);
        Echo<XdrColor>(d, InteropProgram.EchoColor);
        Echo<XdrString>(d, InteropProgram.EchoText);
        Echo<XdrOpaque>(d, InteropProgram.EchoBytes);
        Echo<Scalars>(d, InteropProgram.EchoScalars);
        Echo<Blobs>(d, InteropProgram.EchoBlobs);
        Echo<Choice>(d, InteropProgram.EchoChoice);
        Echo<Painted>(d, InteropProgram.EchoPainted);
        Echo<NodeList>(d, InteropProgram.EchoList);
        Echo<InteropRecord>(d, InteropProgram.EchoRecord);
        d.Register<XdrInt, XdrInt>(InteropProgram.Fail, FailAsync);
        d.Register<XdrVoid, Creds>(InteropProgram.WhoAmI, (_, ctx) => ValueTask.FromResult(WhoAmI(ctx)));
        d.Register<XdrUInt, XdrUInt>(InteropProgram.SleepMs, async (ms, ctx) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(ms.Value, 60_000u)), ctx.CancellationToken);
            return ms;
        });
        d.Register<XdrVoid, XdrUInt>(InteropProgram.WhichVersion, (_, _) => ValueTask.FromResult(new XdrUInt(1)));
        d.Register<XdrVoid, XdrVoid>(InteropProgram.Null2, (a, _) => ValueTask.FromResult(a));
        Echo<XdrInt>(d, InteropProgram.EchoInt2);
        d.Register<XdrVoid, XdrUInt>(InteropProgram.WhichVersion2, (_, _) => ValueTask.FromResult(new XdrUInt(2)));
        return server;
    }

    private static void Echo<T>(RpcDispatcher dispatcher, RpcProcedureDescriptor procedure)
        where T : IXdrSerializable<T> =>
        dispatcher.Register<T, T>(procedure, (value, _) => ValueTask.FromResult(value));

    // A handler answers with an error reply by throwing RpcException with that status.
    private static async ValueTask<XdrInt> FailAsync(XdrInt code, RpcCallContext context)
    {
        switch (code.Value)
        {
            case InteropProgram.FailSystemErr:
                throw new RpcException(RpcStatus.SystemError, "asked to fail");
            case InteropProgram.FailGarbageArgs:
                throw new RpcException(RpcStatus.GarbageArguments, "asked to fail");
            case InteropProgram.FailAuthTooWeak:
                throw new RpcException(AuthStat.TooWeak, "asked to fail");
            case InteropProgram.FailAuthBadCred:
                throw new RpcException(AuthStat.BadCred, "asked to fail");
            case InteropProgram.FailProcUnavail:
                throw new RpcException(RpcStatus.ProcedureUnavailable, "asked to fail");
            case InteropProgram.FailNoReply:
                // Never answers; the wait ends (and the call is dropped) when the server stops.
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                return code;
            default:
                return code;
        }
    }

    private static Creds WhoAmI(RpcCallContext context)
    {
        var unix = context.UnixCredential;
        return new Creds
        {
            Flavor = (int)context.Credential.Flavor,
            Stamp = unix?.Stamp ?? 0,
            Machine = unix?.MachineName ?? "",
            Uid = unix?.Uid ?? 0,
            Gid = unix?.Gid ?? 0,
            Gids = unix is null ? [] : [.. unix.Gids],
        };
    }

    private static async Task<RpcServer> StartAsync(RpcServer server)
    {
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        server.ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(Ct);
        return server;
    }

    private static string Port(RpcServer server, string transport)
    {
        var kind = transport == "tcp" ? RpcTransportKind.Tcp : RpcTransportKind.Udp;
        var endPoint = (IPEndPoint)server.EndPoints.First(e => e.Transport == kind).EndPoint;
        return endPoint.Port.ToString(CultureInfo.InvariantCulture);
    }

    private static Task<PeerReport> RunInteropClientAsync(CPeerBuild peers, RpcServer server, string transport, params string[] arguments) =>
        peers.RunClientAsync(peers.InteropClient,
            ["--host", "127.0.0.1", "--port", Port(server, transport), "--transport", transport, .. arguments],
            cancellationToken: Ct);

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task CLogClientLogsThroughOurServer(string transport)
    {
        var peers = CPeers.Get();
        var logged = new ConcurrentQueue<string>();
        await using var server = new RpcServer(new RpcServerOptions());
        server.Dispatcher.Register<XdrString, XdrInt>(LogProgram.Rlog, (message, _) =>
        {
            logged.Enqueue(message.Value);
            return ValueTask.FromResult(new XdrInt(0));
        });
        await StartAsync(server);

        string[] messages = ["first message", "h\u00e9llo w\u00f6rld", ""];
        var report = await peers.RunClientAsync(peers.LogClient,
            ["--host", "127.0.0.1", "--port", Port(server, transport), "--transport", transport, "--", .. messages],
            cancellationToken: Ct);
        report.AssertAllOk(messages.Length);
        Assert.Equal(messages, logged.ToArray());
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task EveryInteropScenarioPasses(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await StartAsync(CreateInteropServer());
        var report = await RunInteropClientAsync(peers, server, transport, "--scenario", "all");
        report.AssertAllOk(minimumChecks: 90);
        Assert.Equal("RPC_PROGVERSMISMATCH", report["errors.prog_mismatch"].Stat);
        Assert.Equal(("1", "2"), (report["errors.prog_mismatch"]["low"], report["errors.prog_mismatch"]["high"]));
        Assert.Equal("AUTH_TOOWEAK", report["errors.fail_auth_tooweak"].Why);
        Assert.Equal("AUTH_BADCRED", report["errors.fail_auth_badcred"].Why);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task ShortArgumentsAreGarbageOnEveryTransport(string transport)
    {
        // libtirpc's own UDP server misses this one; ours must not.
        var peers = CPeers.Get();
        await using var server = await StartAsync(CreateInteropServer());
        var report = await RunInteropClientAsync(peers, server, transport, "--scenario", "garbage_args_short");
        report.AssertAllOk(1);
        Assert.Equal("RPC_CANTDECODEARGS", report["errors.garbage_args_short"].Stat);
    }

    [Fact]
    public async Task OneMebibyteArgumentFromTheCClient()
    {
        // libtirpc sends it as 17 fragments of at most 65532 bytes... reassembled here.
        var peers = CPeers.Get();
        await using var server = await StartAsync(CreateInteropServer());
        (await RunInteropClientAsync(peers, server, "tcp", "--scenario", "bytes_1mib")).AssertAllOk(1);
        (await RunInteropClientAsync(peers, server, "tcp", "--scenario", "list_long", "--size", "10000")).AssertAllOk(1);
    }

    [Fact]
    public async Task CClientOverAUnixSocket()
    {
        var peers = CPeers.Get();
        var socket = peers.NewSocketPath();
        await using var server = CreateInteropServer();
        server.ListenUnix(socket);
        await server.StartAsync(Ct);
        var report = await peers.RunClientAsync(peers.InteropClient,
            ["--transport", "unix", "--unix", socket, "--scenario", "all", "--scenario", "garbage_args_short"],
            cancellationToken: Ct);
        report.AssertAllOk(minimumChecks: 90);
        Assert.True(report["bytes_1mib"].Ok);
    }

    [Fact]
    public async Task LargeUdpDatagramFromTheCClient()
    {
        var peers = CPeers.Get();
        await using var server = await StartAsync(CreateInteropServer());
        (await RunInteropClientAsync(peers, server, "udp", "--scenario", "bytes", "--size", "60000")).AssertAllOk(1);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task AuthSysFromLibtirpcIsSeen(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await StartAsync(CreateInteropServer());
        var whoami = (await RunInteropClientAsync(peers, server, transport, "--auth", "sys", "--scenario", "whoami"))
            .AssertAllOk(1)["whoami"];
        Assert.Equal("1", whoami["flavor"]);
        Assert.Equal(Environment.MachineName, whoami["machine"]);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task UnansweredCallTimesOutInTheCClient(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await StartAsync(CreateInteropServer());
        var report = await RunInteropClientAsync(peers, server, transport,
            "--timeout-ms", "800", "--scenario", "timeout", "--scenario", "null");
        report.AssertAllOk(2);
        Assert.Equal("RPC_TIMEDOUT", report["timeout"].Stat);
    }

    [Fact]
    public async Task LibtirpcUdpRetransmissionsOfASlowCallAreHandled()
    {
        // libtirpc retransmits every 500 ms with the same xid, so a 1200 ms call arrives three
        // times; the client takes the first reply and drops the others, then goes on.
        var peers = CPeers.Get();
        await using var server = await StartAsync(CreateInteropServer());
        var report = await RunInteropClientAsync(peers, server, "udp",
            "--scenario", "sleep", "--size", "1200", "--scenario", "null", "--scenario", "versions");
        report.AssertAllOk(4);
        Assert.Equal("1200", report["sleep"]["result"]);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task CBenchClientRunsAgainstOurServer(string transport)
    {
        var peers = CPeers.Get();
        await using var server = new RpcServer(new RpcServerOptions());
        server.Dispatcher.Register<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(0x31234569, 1, 0), (a, _) => ValueTask.FromResult(a));
        await StartAsync(server);
        var result = await ProcessRunner.RunAsync(peers.BenchClient,
            ["--port", Port(server, transport), "--transport", transport, "--proc", "null", "--threads", "2",
             "--seconds", "0.5", "--warmup", "0.1"], TimeSpan.FromSeconds(30), cancellationToken: Ct);
        Assert.True(result.ExitCode == 0, result.Describe());
        var bench = BenchResult.Parse(result.StandardOutput);
        Assert.True(bench.Calls > 0 && bench.Errors == 0, result.Describe());
    }
}
