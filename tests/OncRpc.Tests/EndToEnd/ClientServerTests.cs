using System.Net;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.EndToEnd;

/// <summary>The client against the real server over loopback TCP, UDP and Unix sockets.</summary>
public sealed class ClientServerTests : IAsyncLifetime
{
    private const uint Program = 0x20000077;
    private static readonly RpcProcedureDescriptor Null = new(Program, 2, 0, "E2E_PROG", "NULL");
    private static readonly RpcProcedureDescriptor Echo = new(Program, 2, 1, "E2E_PROG", "ECHO");
    private static readonly RpcProcedureDescriptor Square = new(Program, 2, 2, "E2E_PROG", "SQUARE");
    private static readonly RpcProcedureDescriptor WhoAmI = new(Program, 2, 3, "E2E_PROG", "WHOAMI");
    private static readonly RpcProcedureDescriptor Record = new(Program, 2, 4, "E2E_PROG", "RECORD");

    private readonly string _unixPath = Path.Combine(Path.GetTempPath(), $"oncrpc-e2e-{Guid.NewGuid():N}.sock");
    private readonly List<int> _recorded = [];
    private readonly TaskCompletionSource _sixRecorded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RpcServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = new RpcServer(new RpcServerOptions { EnableAuthShort = true });
        _server.Dispatcher
            .Register<XdrVoid, XdrVoid>(Null, (_, _) => ValueTask.FromResult(default(XdrVoid)))
            .Register<XdrString, XdrString>(Echo, (s, _) => ValueTask.FromResult(s))
            .Register<XdrInt, XdrHyper>(Square, (n, _) => ValueTask.FromResult(new XdrHyper((long)n.Value * n.Value)))
            .Register<XdrVoid, XdrUInt>(WhoAmI, (_, context) => ValueTask.FromResult(new XdrUInt(context.UnixCredential?.Uid ?? uint.MaxValue)))
            .Register<XdrInt, XdrVoid>(Record, (n, _) =>
            {
                lock (_recorded)
                {
                    _recorded.Add(n.Value);
                    if (_recorded.Count == 6)
                    {
                        _sixRecorded.TrySetResult();
                    }
                }
                return ValueTask.FromResult(default(XdrVoid));
            });
        _server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0))
            .ListenUdp(new IPEndPoint(IPAddress.Loopback, 0))
            .ListenTcp(new IPEndPoint(IPAddress.IPv6Loopback, 0))
            .ListenUdp(new IPEndPoint(IPAddress.IPv6Loopback, 0))
            .ListenUnix(_unixPath);
        await _server.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(_unixPath);
    }

    private IPEndPoint EndPoint(RpcTransportKind kind, bool ipv6 = false) =>
        (IPEndPoint)_server.EndPoints.First(e => e.Transport == kind && (((IPEndPoint)e.EndPoint).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) == ipv6).EndPoint;

    public static TheoryData<string> Transports => ["tcp", "udp", "unix", "tcp6", "udp6"];

    private async Task<RpcClient> ConnectAsync(string transport, RpcClientOptions? options = null) => transport switch
    {
        "tcp" => await RpcClient.ConnectTcpAsync(EndPoint(RpcTransportKind.Tcp), options, Ct),
        "tcp6" => await RpcClient.ConnectTcpAsync(EndPoint(RpcTransportKind.Tcp, ipv6: true), options, Ct),
        "udp" => RpcClient.CreateUdp(EndPoint(RpcTransportKind.Udp), options),
        "udp6" => RpcClient.CreateUdp(EndPoint(RpcTransportKind.Udp, ipv6: true), options),
        _ => await RpcClient.ConnectUnixAsync(_unixPath, options, Ct),
    };

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Calls_round_trip(string transport)
    {
        await using RpcClient client = await ConnectAsync(transport);
        await client.CallAsync<XdrVoid, XdrVoid>(Null, default, Ct);
        Assert.Equal("hello, world", (string)await client.CallAsync<XdrString, XdrString>(Echo, "hello, world", Ct));
        Assert.Equal(1L << 32, (long)await client.CallAsync<XdrInt, XdrHyper>(Square, 65536, Ct));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Server_errors_reach_the_caller(string transport)
    {
        await using RpcClient client = await ConnectAsync(transport);
        var unavailable = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CallAsync<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(Program + 1, 1, 0), default, Ct));
        Assert.Equal(RpcStatus.ProgramUnavailable, unavailable.Status);
        var mismatch = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CallAsync<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(Program, 9, 0), default, Ct));
        Assert.Equal((RpcStatus.ProgramMismatch, 2u, 2u), (mismatch.Status, mismatch.Low, mismatch.High));
        var noProc = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CallAsync<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(Program, 2, 99), default, Ct));
        Assert.Equal(RpcStatus.ProcedureUnavailable, noProc.Status);
        var garbage = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CallAsync<XdrVoid, XdrHyper>(Square, default, Ct));
        Assert.Equal(RpcStatus.GarbageArguments, garbage.Status);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Auth_sys_identity_reaches_the_handler_also_through_short_handles(string transport)
    {
        AuthSysCredentials credentials = RpcCredentials.Sys(7, "e2e-host", 4242, 42, [1, 2, 3]);
        await using RpcClient client = await ConnectAsync(transport, new RpcClientOptions { Credentials = credentials });
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(4242u, (uint)await client.CallAsync<XdrVoid, XdrUInt>(WhoAmI, default, Ct));
        }
        Assert.NotNull(credentials.ShortHandle); // the server handed out a handle and later calls used it
    }

    [Fact]
    public async Task One_way_and_batched_calls_reach_the_server()
    {
        await using RpcClient client = await ConnectAsync("tcp");
        for (int i = 0; i < 5; i++)
        {
            await client.BatchAsync<XdrInt>(Record, i, Ct);
        }
        await client.SendOneWayAsync<XdrInt>(Record, 5, Ct);
        await client.CallAsync<XdrVoid, XdrVoid>(Null, default, Ct);
        await _sixRecorded.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        lock (_recorded)
        {
            Assert.Equal([0, 1, 2, 3, 4, 5], _recorded.Order());
        }
    }

    [Fact]
    public async Task Large_calls_cross_in_many_fragments()
    {
        await using RpcClient client = await ConnectAsync("tcp", new RpcClientOptions { MaxFragmentSize = 65532 });
        string big = new('z', 1024 * 1024);
        Assert.Equal(big, (string)await client.CallAsync<XdrString, XdrString>(Echo, big, Ct));
    }

    [Fact]
    public async Task Two_hundred_connections_with_sixteen_calls_in_flight_each()
    {
        const int Connections = 200, InFlight = 16, CallsPerWorker = 2;
        var clients = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => ConnectAsync("tcp")));
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var workers = clients.SelectMany((client, c) => Enumerable.Range(0, InFlight).Select(w => Task.Run(async () =>
            {
                for (int i = 0; i < CallsPerWorker; i++)
                {
                    int n = (c * InFlight + w) * CallsPerWorker + i;
                    long square = await client.CallAsync<XdrInt, XdrHyper>(Square, n, Ct);
                    Assert.Equal((long)n * n, square);
                    string echoed = await client.CallAsync<XdrString, XdrString>(Echo, $"call {n}", Ct);
                    Assert.Equal($"call {n}", echoed);
                }
            }, Ct))).ToArray();
            await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(30));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }
}
