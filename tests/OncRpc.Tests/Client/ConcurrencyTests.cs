using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

public class ConcurrencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Cancelled_and_answered_calls_mixed_never_cross_results()
    {
        // Pending calls are recycled once awaited: replies to cancelled calls must never reach a
        // later call that reuses the object.
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        const int Rounds = 20, PerRound = 50;
        Task serverLoop = Task.Run(async () =>
        {
            var random = new Random(7);
            for (int round = 0; round < Rounds; round++)
            {
                var calls = new List<ReceivedCall>();
                for (int i = 0; i < PerRound; i++)
                {
                    calls.Add(await peer.ReadCallAsync());
                }
                foreach (ReceivedCall call in calls.OrderBy(_ => random.Next()))
                {
                    await peer.SendMessageAsync(RpcBytes.Success(call.Xid, XdrBytes.Int(call.IntArgument + 1)));
                }
            }
        }, Ct);
        int completed = 0, cancelled = 0;
        for (int round = 0; round < Rounds; round++)
        {
            var tasks = Enumerable.Range(0, PerRound).Select(i => Task.Run(async () =>
            {
                int n = round * PerRound + i;
                using var cts = new CancellationTokenSource();
                ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, n, cts.Token);
                if (n % 3 == 0)
                {
                    cts.Cancel();
                }
                try
                {
                    Assert.Equal(n + 1, (int)await call);
                    Interlocked.Increment(ref completed);
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref cancelled);
                }
            }, Ct)).ToArray();
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }
        await serverLoop.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(Rounds * PerRound, completed + cancelled);
        Assert.True(cancelled > 0);
    }

    [Fact]
    public async Task Pipelined_calls_share_socket_writes()
    {
        // 64 calls started together, none answered yet: the first goes out on its own, the others
        // queue behind one drain and leave in a few writes, not one system call each (one write
        // per call cost 6x the throughput at 64 in flight; docs/performance.md).
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        const int Calls = 64;
        Task<XdrInt>[] calls = Enumerable.Range(0, Calls)
            .Select(i => client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, i, Ct).AsTask()).ToArray();
        var received = new List<ReceivedCall>();
        for (int i = 0; i < Calls; i++)
        {
            received.Add(await peer.ReadCallAsync());
        }
        long sends = ((OncRpc.Client.Internal.StreamRpcClient)client).SendSystemCalls;
        // Usually 2-8; on a loaded machine (the test projects run side by side on two cores) the
        // drain can catch up between callers more often. One write per call would be 64.
        Assert.InRange(sends, 1, 32);
        Assert.Equal(Enumerable.Range(0, Calls), received.Select(c => c.IntArgument).Order());
        foreach (ReceivedCall call in received)
        {
            await peer.SendMessageAsync(RpcBytes.Success(call.Xid, XdrBytes.Int(call.IntArgument + 1)));
        }
        int[] results = (await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(10), Ct)).Select(r => (int)r).ToArray();
        Assert.Equal(Enumerable.Range(1, Calls), results);
    }

    [Fact]
    public async Task Timed_out_calls_mixed_with_answered_ones_over_udp()
    {
        using var server = new FakeUdpServer();
        await using RpcClient client = RpcClient.CreateUdp(server.EndPoint, new RpcClientOptions
        {
            Timeout = TimeSpan.FromMilliseconds(300),
            RetransmitInterval = TimeSpan.FromMilliseconds(50),
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        Task serverLoop = Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var (call, from, _) = await server.ReceiveCallAsync(TimeSpan.FromSeconds(30));
                    // Odd arguments are never answered; even ones are, on every retransmission.
                    if (call.IntArgument % 2 == 0)
                    {
                        await server.SendAsync(RpcBytes.Success(call.Xid, XdrBytes.Int(call.IntArgument * 2)), from);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, Ct);
        var tasks = Enumerable.Range(0, 200).Select(n => Task.Run(async () =>
        {
            try
            {
                Assert.Equal(n * 2, (int)await client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, n, Ct));
                Assert.True(n % 2 == 0);
            }
            catch (RpcException e) when (e.Status == RpcStatus.TimedOut)
            {
                Assert.True(n % 2 == 1);
            }
        }, Ct)).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        stop.Cancel();
        server.Dispose();
        await serverLoop.WaitAsync(TimeSpan.FromSeconds(10), Ct).ContinueWith(_ => { }, Ct);
    }
}
