using System.Net;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Backchannel;

/// <summary>
/// A server whose CALL_BACK handler calls its caller back over the caller's connection
/// (<see cref="RpcCallContext.Backchannel"/>) and answers the callback's result plus one; ECHO
/// answers its argument. What the handlers saw is recorded for the tests: a backchannel call
/// sent, a backchannel failure, a handler failure, and the most CALL_BACK handlers at once.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly RpcTransportKind _transport;
    private readonly string _unixPath;
    private int _foreRunning;
    private int _foreMax;

    private TestServer(RpcServer server, RpcTransportKind transport, string unixPath)
    {
        Server = server;
        _transport = transport;
        _unixPath = unixPath;
    }

    public RpcServer Server { get; }

    public int ForeMax => Volatile.Read(ref _foreMax);

    /// <summary>The backchannel the last CALL_BACK handler used, kept past its call.</summary>
    public RpcClient? LastBackchannel { get; private set; }

    public TaskCompletionSource BackchannelSent { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<RpcException> BackchannelFailure { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<Exception> HandlerFailure { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IPEndPoint TcpEndPoint => (IPEndPoint)Server.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint;

    public void ResetSignals()
    {
        BackchannelSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        BackchannelFailure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public static async Task<TestServer> StartAsync(RpcTransportKind transport, RpcServerOptions options,
        RpcProcedureDescriptor? backchannelProcedure = null, bool blocking = false, string? unixPath = null)
    {
        unixPath ??= Path.Combine(Path.GetTempPath(), $"oncrpc-bc-{Guid.NewGuid():N}.sock");
        var server = new RpcServer(options);
        var test = new TestServer(server, transport, unixPath);
        RpcProcedureDescriptor procedure = backchannelProcedure ?? BackchannelTests.Twice;
        server.Dispatcher
            .Register<XdrInt, XdrInt>(BackchannelTests.Echo, (n, _) => ValueTask.FromResult(n))
            .Register<XdrInt, XdrInt>(BackchannelTests.CallBack, async (n, context) =>
            {
                int now = Interlocked.Increment(ref test._foreRunning);
                int seen;
                while ((seen = Volatile.Read(ref test._foreMax)) < now && Interlocked.CompareExchange(ref test._foreMax, now, seen) != seen)
                {
                }
                try
                {
                    RpcClient back = context.Backchannel ?? throw new InvalidOperationException("no backchannel over " + context.Transport);
                    test.LastBackchannel = back;
                    // No token of the call's: the backchannel's own failure is what the tests watch.
                    ValueTask<XdrInt> reply = blocking
                        ? ValueTask.FromResult(back.Call<XdrInt, XdrInt>(procedure, n))
                        : back.CallAsync<XdrInt, XdrInt>(procedure, n);
                    test.BackchannelSent.TrySetResult();
                    return new XdrInt((await reply).Value + 1);
                }
                catch (RpcException e)
                {
                    test.BackchannelFailure.TrySetResult(e);
                    // Not passed through as the answer: PROG_UNAVAIL would read as the server's own.
                    throw new InvalidOperationException("the backchannel call failed", e);
                }
                catch (Exception e)
                {
                    test.HandlerFailure.TrySetResult(e);
                    throw;
                }
                finally
                {
                    Interlocked.Decrement(ref test._foreRunning);
                }
            });
        switch (transport)
        {
            case RpcTransportKind.Tcp:
                server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
                break;
            case RpcTransportKind.Udp:
                server.ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
                break;
            default:
                server.ListenUnix(unixPath);
                break;
        }
        await server.StartAsync(TestContext.Current.CancellationToken);
        return test;
    }

    public async Task<RpcClient> ConnectAsync(RpcClientOptions? options = null) => _transport == RpcTransportKind.Tcp
        ? await RpcClient.ConnectTcpAsync(TcpEndPoint, options, TestContext.Current.CancellationToken)
        : await RpcClient.ConnectUnixAsync(_unixPath, options, TestContext.Current.CancellationToken);

    public RpcClient CreateUdp() =>
        RpcClient.CreateUdp((IPEndPoint)Server.EndPoints.First(e => e.Transport == RpcTransportKind.Udp).EndPoint);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        File.Delete(_unixPath);
    }
}
