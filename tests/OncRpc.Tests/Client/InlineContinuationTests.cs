using System.Net;
using OncRpc.Client;
using OncRpc.Client.Internal;
using OncRpc.Tests.Server;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

[CollectionDefinition(nameof(ClientEventLoopCollection), DisableParallelization = true)]
public sealed class ClientEventLoopCollection;

/// <summary>
/// Awaited calls on Linux are read by the client's event loop, and a call's continuation runs on
/// the loop's thread once the loop has given the connection's reader role up (one wake-up per
/// call). These tests pin down that this is safe: a continuation that calls again, blocking or
/// awaiting, on the same client completes; and one that blocks outright delays neither the other
/// calls of its client nor other clients' calls beyond the loop's watchdog period.
/// <para>Alone: the loop is process-wide and runs one continuation inline per wake-up (the rest go
/// to the pool), so another test's replies fetched in the same wake-up could send the one under
/// test to a pool thread, and the assertions on where it ran would fail for that reason only.</para>
/// </summary>
[Collection(nameof(ClientEventLoopCollection))]
public class InlineContinuationTests
{
    private const string LoopThread = "OncRpc client loop";
    private static readonly RpcProcedureDescriptor Echo = new(ServerHarness.Program, 1, ServerHarness.EchoProc, "TEST_PROG", "ECHO");
    private static readonly RpcProcedureDescriptor Wait = new(ServerHarness.Program, 1, ServerHarness.WaitProc, "TEST_PROG", "WAIT");
    private static readonly RpcProcedureDescriptor Block = new(ServerHarness.Program, 1, ServerHarness.BlockProc, "TEST_PROG", "BLOCK");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<RpcClient> ConnectAsync(ServerHarness harness, RpcTransportKind transport) => transport == RpcTransportKind.Udp
        ? RpcClient.CreateUdp((IPEndPoint)harness.Udp)
        : await RpcClient.ConnectTcpAsync(harness.Tcp, cancellationToken: Ct);

    /// <summary>Runs <paramref name="continuation"/> as the continuation of an awaited call whose
    /// reply the server holds until the continuation is registered (the gated WAIT procedure), so
    /// it runs where the reply is read rather than on the caller's thread.</summary>
    private static async Task<T> ContinueAfterReplyAsync<T>(ServerHarness harness, RpcClient client, Func<T> continuation)
    {
        using var registered = new ManualResetEventSlim();
        Task<T> run = Task.Run(() =>
        {
            Task<XdrInt> gated = client.CallAsync<XdrInt, XdrInt>(Wait, 1, Ct).AsTask();
            // The continuation is attached before the gate opens (an await after it could find the
            // reply already there and run on this pool thread); ExecuteSynchronously runs it where
            // the call completes, as an await's continuation does.
            Task<T> continued = gated.ContinueWith(t =>
            {
                t.GetAwaiter().GetResult();
                return continuation();
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            registered.Set();
            return continued;
        }, Ct);
        Assert.True(registered.Wait(Bound, Ct));
        await Eventually.ReachedAsync(() => harness.Waiting > 0, "the gated call reached its handler");
        harness.Gate.TrySetResult();
        return await run.WaitAsync(Bound, Ct);
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public async Task A_continuation_on_the_loop_makes_a_blocking_call_on_the_same_client(RpcTransportKind transport)
    {
        Assert.SkipUnless(ClientEventLoop.IsSupported, "the client event loop is Linux only");
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using RpcClient client = await ConnectAsync(harness, transport);

        (string? thread, string nested) = await ContinueAfterReplyAsync(harness, client, () =>
            // The loop gave the role up before running this: the blocking call reads its own reply here.
            (Thread.CurrentThread.Name, client.Call<XdrString, XdrString>(Echo, "nested", Ct).Value));

        Assert.Equal(LoopThread, thread); // the continuation did run inline on the loop
        Assert.Equal("nested", nested);
        Assert.Equal("again", (string)await client.CallAsync<XdrString, XdrString>(Echo, "again", Ct));
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public async Task A_continuation_that_waits_on_another_call_of_the_same_client_does_not_deadlock(RpcTransportKind transport)
    {
        Assert.SkipUnless(ClientEventLoop.IsSupported, "the client event loop is Linux only");
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using RpcClient client = await ConnectAsync(harness, transport);
        await client.CallAsync<XdrString, XdrString>(Echo, "warm", Ct); // the loop exists
        long takeOvers = ClientEventLoop.Shared.TakeOvers;
        // The inner call's reply comes once a new thread has taken the loop over: later than the
        // loop's thread waits for it in its socket (ReadAfterSendTests), so that wait ends empty.
        Task released = Task.Run(async () =>
        {
            await Eventually.ReachedAsync(() => ClientEventLoop.Shared.TakeOvers > takeOvers, "a new thread took the loop over");
            harness.LoopGate.Set();
        }, Ct);

        (string? thread, int inner) = await ContinueAfterReplyAsync(harness, client, () =>
        {
            // Sync over async on the loop's own thread: only another thread taking the loop over
            // can read that reply (its send counts as quick, so it is not read right after it).
            ReadAfterSendTests.LoopOf(client).SendTiming.Quickest = long.MaxValue;
            return (Thread.CurrentThread.Name, client.CallAsync<XdrInt, XdrInt>(Block, 7, Ct).AsTask().GetAwaiter().GetResult().Value);
        });
        await released.WaitAsync(Bound, Ct);

        Assert.Equal(LoopThread, thread);
        Assert.Equal(7, inner);
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public async Task A_continuation_blocked_on_the_loop_stalls_no_other_call(RpcTransportKind transport)
    {
        Assert.SkipUnless(ClientEventLoop.IsSupported, "the client event loop is Linux only");
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using RpcClient blockedClient = await ConnectAsync(harness, transport);
        await using RpcClient other = await ConnectAsync(harness, transport);
        await other.CallAsync<XdrString, XdrString>(Echo, "warm", Ct);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();

        Task<string?> blocked = ContinueAfterReplyAsync(harness, blockedClient, () =>
        {
            entered.Set();
            release.Wait(Bound); // user code that does not return
            return Thread.CurrentThread.Name;
        });
        try
        {
            Assert.True(entered.Wait(Bound, Ct));
            // While that thread is held: another client's calls, and the same client's, complete.
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal($"other {i}", (string)await other.CallAsync<XdrString, XdrString>(Echo, $"other {i}", Ct).AsTask().WaitAsync(Bound, Ct));
                Assert.Equal($"same {i}", (string)await blockedClient.CallAsync<XdrString, XdrString>(Echo, $"same {i}", Ct).AsTask().WaitAsync(Bound, Ct));
            }
            Assert.False(release.IsSet);
        }
        finally
        {
            release.Set();
        }
        Assert.Equal(LoopThread, await blocked);
        // The thread that was held left the loop to its successor; calls still go through.
        Assert.Equal("after", (string)await other.CallAsync<XdrString, XdrString>(Echo, "after", Ct).AsTask().WaitAsync(Bound, Ct));
    }

    [Fact]
    public async Task Pipelined_calls_whose_continuations_call_again_all_complete()
    {
        Assert.SkipUnless(ClientEventLoop.IsSupported, "the client event loop is Linux only");
        await using ServerHarness harness = await ServerHarness.StartAsync(new OncRpc.Server.RpcServerOptions { MaxConcurrentCallsPerConnection = 64 });
        await using RpcClient client = await RpcClient.ConnectTcpAsync(harness.Tcp, cancellationToken: Ct);
        const int LoopCount = 8;
        // Loops each awaiting its next call from the previous one's continuation, some of
        // them blocking: held replies, inline runs and queued ones interleave.
        Task<int>[] loops = Enumerable.Range(0, LoopCount).Select(k => Task.Run(async () =>
        {
            int done = 0;
            for (int i = 0; i < 100; i++)
            {
                string text = $"{k}:{i}";
                string echoed = i % 10 == 9
                    ? client.Call<XdrString, XdrString>(Echo, text, Ct).Value
                    : (await client.CallAsync<XdrString, XdrString>(Echo, text, Ct).ConfigureAwait(false)).Value;
                Assert.Equal(text, echoed);
                done++;
            }
            return done;
        }, Ct)).ToArray();
        int[] counts = await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.All(counts, c => Assert.Equal(100, c));
    }
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_reply_and_the_end_of_the_stream_arriving_together_fail_the_other_pending_call_at_once(bool reset)
    {
        Assert.SkipUnless(ClientEventLoop.IsSupported, "the client event loop is Linux only");
        // The reply and the close go out back to back, so the loop often sees both in one edge
        // (the bank-under-faults interop test caught the short read taken for "nothing more").
        for (int round = 0; round < 10; round++)
        {
            await using var server = new FakeStreamServer();
            await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint,
                new RpcClientOptions { Timeout = TimeSpan.FromMinutes(2), Reconnect = false }, Ct);
            FakePeer peer = await server.AcceptAsync();
            ValueTask<XdrInt> first = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct);
            ValueTask<XdrInt> second = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 2, Ct);
            ReceivedCall a = await peer.ReadCallAsync();
            await peer.ReadCallAsync();
            await peer.SendMessageAsync(RpcBytes.Success(a.Xid, XdrBytes.Int(a.IntArgument)));
            if (reset)
            {
                peer.Abort();
            }
            else
            {
                await peer.DisposeAsync();
            }
            if (!reset)
            {
                Assert.Equal(a.IntArgument, (int)await first.AsTask().WaitAsync(Bound, Ct));
            }
            else
            {
                // A reset may discard the reply still queued: either outcome, but promptly.
                try
                {
                    await first.AsTask().WaitAsync(Bound, Ct);
                }
                catch (RpcException e) when (e.Status == RpcStatus.ConnectionLost)
                {
                }
            }
            RpcException lost = await Assert.ThrowsAsync<RpcException>(() => second.AsTask().WaitAsync(Bound, Ct));
            Assert.Equal(RpcStatus.ConnectionLost, lost.Status);
        }
    }
}
