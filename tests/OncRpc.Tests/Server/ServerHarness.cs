using System.Net;
using System.Net.Sockets;
using OncRpc.Server;
using OncRpc.Testing;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Server;

/// <summary>
/// A running <see cref="RpcServer"/> on loopback TCP, UDP and a Unix socket, exporting the test
/// program (versions 1 and 3) and the hooks tests use to hold and observe handlers.
/// </summary>
public sealed class ServerHarness : IAsyncDisposable
{
    public const uint Program = 0x2000_1234;
    public const uint EchoProc = 1;
    public const uint ThrowProc = 2;
    public const uint WaitProc = 3;
    public const uint BigProc = 4;
    public const uint IdentityProc = 5;
    public const uint UntilCancelledProc = 6;
    public const uint RendezvousProc = 7;
    public const uint BlockProc = 8;

    private readonly string _unixPath;

    private ServerHarness(RpcServer server, string unixPath)
    {
        Server = server;
        _unixPath = unixPath;
    }

    public RpcServer Server { get; }

    /// <summary>Released by tests to let WAIT calls finish.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>WAIT handlers currently running.</summary>
    public int Waiting => Volatile.Read(ref _waiting);
    private int _waiting;
    private int _maxWaiting;
    public int MaxWaiting => Volatile.Read(ref _maxWaiting);

    /// <summary>Released by tests to let a BLOCK call return: BLOCK completes synchronously after
    /// blocking the thread that runs it (an event loop's), so datagrams pile up in the socket meanwhile.</summary>
    public ManualResetEventSlim LoopGate { get; } = new();

    /// <summary>Completed when a BLOCK handler started blocking.</summary>
    public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed (true) when an UNTIL_CANCELLED handler saw its token fire.</summary>
    public TaskCompletionSource<bool> HandlerCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public TaskCompletionSource HandlerStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Two RENDEZVOUS calls wait for each other.</summary>
    private readonly TaskCompletionSource[] _rendezvous =
        [new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously)];

    public EndPoint Tcp => EndPointOf(RpcTransportKind.Tcp);
    public EndPoint Udp => EndPointOf(RpcTransportKind.Udp);
    public EndPoint Unix => EndPointOf(RpcTransportKind.Local);

    public EndPoint EndPointOf(RpcTransportKind transport)
    {
        foreach (var (kind, endPoint) in Server.EndPoints)
        {
            if (kind == transport)
            {
                return endPoint;
            }
        }
        throw new InvalidOperationException($"no {transport} end point");
    }

    public Task<FakePeer> ConnectAsync(RpcTransportKind transport) => FakePeer.ConnectAsync(transport, EndPointOf(transport));

    public static async Task<ServerHarness> StartAsync(RpcServerOptions? options = null, bool ipv6 = false)
    {
        var server = new RpcServer(options);
        string unixPath = Path.Combine(Path.GetTempPath(), $"oncrpc-test-{Guid.NewGuid():N}.sock");
        var harness = new ServerHarness(server, unixPath);
        harness.Register(server.Dispatcher);
        IPAddress loopback = ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        server.ListenTcp(new IPEndPoint(loopback, 0)).ListenUdp(new IPEndPoint(loopback, 0)).ListenUnix(unixPath);
        await server.StartAsync(TestContext.Current.CancellationToken);
        return harness;
    }

    private static RpcProcedureDescriptor Proc(uint version, uint procedure, string name) =>
        new(Program, version, procedure, "TEST_PROG", name);

    private void Register(RpcDispatcher dispatcher)
    {
        dispatcher.Register<XdrString, XdrString>(Proc(1, EchoProc, "ECHO"), static (s, _) => ValueTask.FromResult(s));
        dispatcher.Register<XdrString, XdrString>(Proc(3, EchoProc, "ECHO"), static (s, _) => ValueTask.FromResult(new XdrString("v3:" + s.Value)));
        dispatcher.Register<XdrVoid, XdrVoid>(Proc(1, ThrowProc, "THROW"), static (_, _) => throw new InvalidOperationException("handler failure"));
        dispatcher.Register<XdrInt, XdrInt>(Proc(1, WaitProc, "WAIT"), WaitAsync);
        dispatcher.Register<XdrInt, XdrOpaque>(Proc(1, BigProc, "BIG"), static (n, _) =>
        {
            byte[] data = new byte[n.Value];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (byte)(i * 7 + n.Value);
            }
            return ValueTask.FromResult(new XdrOpaque(data));
        });
        dispatcher.Register<XdrVoid, XdrUInt>(Proc(1, IdentityProc, "IDENTITY"), static (_, context) =>
            ValueTask.FromResult(new XdrUInt(context.UnixCredential?.Uid ?? 0xFFFF_FFFF)));
        dispatcher.Register<XdrVoid, XdrVoid>(Proc(1, UntilCancelledProc, "UNTIL_CANCELLED"), UntilCancelledAsync);
        dispatcher.Register<XdrInt, XdrInt>(Proc(1, RendezvousProc, "RENDEZVOUS"), RendezvousAsync);
        dispatcher.Register<XdrInt, XdrInt>(Proc(1, BlockProc, "BLOCK"), (value, _) =>
        {
            Blocked.TrySetResult();
            LoopGate.Wait(FakePeer.DefaultTimeout * 3);
            return ValueTask.FromResult(value);
        });
    }

    private async ValueTask<XdrInt> WaitAsync(XdrInt value, RpcCallContext context)
    {
        int now = Interlocked.Increment(ref _waiting);
        int max;
        while ((max = Volatile.Read(ref _maxWaiting)) < now && Interlocked.CompareExchange(ref _maxWaiting, now, max) != max)
        {
        }
        try
        {
            await Gate.Task.WaitAsync(context.CancellationToken);
            return new XdrInt(value.Value + 1);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private async ValueTask<XdrVoid> UntilCancelledAsync(XdrVoid _, RpcCallContext context)
    {
        HandlerStarted.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            HandlerCancelled.TrySetResult(true);
            throw;
        }
        return default;
    }

    private async ValueTask<XdrInt> RendezvousAsync(XdrInt side, RpcCallContext context)
    {
        int me = side.Value & 1;
        _rendezvous[me].TrySetResult();
        await _rendezvous[1 - me].Task.WaitAsync(TimeSpan.FromSeconds(10), context.CancellationToken);
        return side;
    }

    public async ValueTask DisposeAsync()
    {
        Gate.TrySetResult();
        LoopGate.Set();
        await Server.DisposeAsync();
        Assert.False(File.Exists(_unixPath), "the Unix socket file is removed at stop");
    }

    /// <summary>Asserts a fresh connection still gets a correct answer.</summary>
    public async Task AssertStillServesAsync(RpcTransportKind transport = RpcTransportKind.Tcp)
    {
        await using FakePeer peer = await ConnectAsync(transport);
        byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(0xCAFE, Program, 1, EchoProc, new XdrBytes().String("alive").ToArray()));
        Assert.Equal(Hex.Of(RpcBytes.Success(0xCAFE, new XdrBytes().String("alive").ToArray())), Hex.Of(reply));
    }
}
