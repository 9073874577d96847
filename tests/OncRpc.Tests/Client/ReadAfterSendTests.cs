using System.Net;
using OncRpc.Client;
using OncRpc.Client.Internal;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

/// <summary>
/// A sequential awaited call made on the client loop's thread can read its reply right there
/// (<see cref="LoopReader.AfterSend"/>) and complete before it is awaited: by waiting for it in its
/// own socket, briefly, when nothing else waits on the loop; or, when another socket does, by
/// reading without waiting after a send that lasted long (the server, sharing the CPU, answered
/// during it). A reply not there (in time) is read by the loop, as for any other call. The fake
/// server here writes a reply before the call goes out, which stands for "answered during the
/// send"; a send counts as long or not as the test sets the reader's quickest send.
/// <para>In the loop's collection: the continuation under test must run on the loop's thread.</para>
/// </summary>
[Collection(nameof(ClientEventLoopCollection))]
public class ReadAfterSendTests
{
    private const string LoopThread = "OncRpc client loop";
    private const uint Program = 0x2000_5151;
    private static readonly RpcProcedureDescriptor Double = new(Program, 1, 1, "TEST_PROG", "DOUBLE");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One fake server per transport, answering by hand.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly FakeStreamServer? _stream;
        private readonly FakeUdpServer? _udp;
        private FakePeer? _peer;
        private EndPoint? _client;
        private readonly HashSet<uint> _seen = [];

        public Server(RpcTransportKind transport)
        {
            if (transport == RpcTransportKind.Udp)
            {
                _udp = new FakeUdpServer();
            }
            else
            {
                _stream = new FakeStreamServer();
            }
        }

        public async Task<RpcClient> ConnectAsync()
        {
            if (_udp is not null)
            {
                return RpcClient.CreateUdp(_udp.EndPoint);
            }
            Task<FakePeer> accepted = _stream!.AcceptAsync();
            RpcClient client = await RpcClient.ConnectTcpAsync(_stream.EndPoint, cancellationToken: Ct);
            _peer = await accepted;
            return client;
        }

        /// <summary>The next call not seen before (a UDP client may retransmit one that waits).</summary>
        public async Task<ReceivedCall> ReceiveAsync()
        {
            while (true)
            {
                ReceivedCall call;
                if (_udp is not null)
                {
                    (call, _client, _) = await _udp.ReceiveCallAsync(Bound);
                }
                else
                {
                    call = ReceivedCall.Parse(await _peer!.ReceiveMessageAsync(Bound));
                }
                if (_seen.Add(call.Xid))
                {
                    return call;
                }
            }
        }

        public Task ReplyAsync(uint xid, int value)
        {
            byte[] reply = Reply(xid, value);
            return _udp is not null ? _udp.SendAsync(reply, _client!) : _peer!.SendMessageAsync(reply);
        }

        /// <summary>Sends a reply on the calling thread; when this returns the bytes are in the
        /// client's socket (loopback delivers on the sender's thread).</summary>
        public void ReplyNow(uint xid, int value)
        {
            byte[] reply = Reply(xid, value);
            if (_udp is not null)
            {
                _udp.Send(reply, _client!);
            }
            else
            {
                _peer!.Socket.Send(RpcBytes.Fragment(reply));
            }
        }

        private static byte[] Reply(uint xid, int value) => RpcBytes.Success(xid, XdrBytes.Words((uint)value));

        public async ValueTask DisposeAsync()
        {
            _udp?.Dispose();
            if (_peer is not null)
            {
                await _peer.DisposeAsync();
            }
            if (_stream is not null)
            {
                await _stream.DisposeAsync();
            }
        }
    }

    internal static LoopReader LoopOf(RpcClient client) => client switch
    {
        StreamRpcClient stream => stream.Connection!.Reader.Loop!,
        UdpRpcClient udp => udp.Loop!,
        _ => throw new InvalidOperationException(client.GetType().Name),
    };

    /// <summary>What one attempt saw, or null when it could not tell: the loop's watchdog handed
    /// the loop to a new thread meanwhile (a busy machine can hold a thread past its period), or
    /// the first call's continuation did not run on the loop.</summary>
    private sealed record Outcome(bool SecondAtOnce, int Second, bool ThirdAtOnce, int Third, int SocketWaits);

    /// <summary>How a call on the loop's thread may read its reply: waiting in its socket (nothing
    /// else waits on the loop), or reading after a long send (another socket does).</summary>
    public enum Path
    {
        WaitInSocket,
        ReadAfterLongSend,
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp, Path.WaitInSocket)]
    [InlineData(RpcTransportKind.Udp, Path.WaitInSocket)]
    [InlineData(RpcTransportKind.Tcp, Path.ReadAfterLongSend)]
    [InlineData(RpcTransportKind.Udp, Path.ReadAfterLongSend)]
    public async Task A_reply_there_after_the_send_completes_the_call_before_it_is_awaited_and_one_not_there_is_read_by_the_loop(RpcTransportKind transport, Path path)
    {
        Assert.SkipUnless(ClientEventLoop.IsSupported, "the client event loop is Linux only");
        for (int attempt = 0; attempt < 5; attempt++)
        {
            if (await AttemptAsync(transport, path) is { } outcome)
            {
                Assert.True(outcome.SecondAtOnce, "the reply found after the send completed the call at once");
                Assert.Equal(4, outcome.Second);
                Assert.False(outcome.ThirdAtOnce);
                Assert.Equal(6, outcome.Third);
                // Waiting in the socket is what completed the second call (its send counted as
                // quick), and the third waited too, briefly, before the loop read its reply;
                // with another socket waiting on the loop, no call waits in its socket.
                Assert.Equal(path == Path.WaitInSocket ? 2 : 0, outcome.SocketWaits);
                return;
            }
        }
        Assert.Fail("in five attempts the loop was taken over, or the continuation ran elsewhere, every time");
    }

    private static async Task<Outcome?> AttemptAsync(RpcTransportKind transport, Path path)
    {
        // The loop is process-wide: a call another test left pending (until it times out) keeps a
        // socket waiting on it, and a caller on the loop's thread would then not wait in its own.
        await Eventually.ReachedAsync(() => LoopReader.HeldByLoop == 0, "no socket waits on the client loop");
        await using var server = new Server(transport);
        await using RpcClient client = await server.ConnectAsync();
        // Another socket waiting on the loop: a call whose reply is held until the end.
        await using var otherServer = new Server(transport);
        await using RpcClient? other = path == Path.ReadAfterLongSend ? await otherServer.ConnectAsync() : null;
        Task<XdrInt>? otherCall = other?.CallAsync<XdrInt, XdrInt>(Double, 9, Ct).AsTask();
        ReceivedCall? otherReceived = otherCall is null ? null : await otherServer.ReceiveAsync();
        Task<XdrInt> warm = client.CallAsync<XdrInt, XdrInt>(Double, 0, Ct).AsTask(); // the loop exists before its take-overs are counted
        ReceivedCall call0 = await server.ReceiveAsync();
        await server.ReplyAsync(call0.Xid, 0);
        await warm.WaitAsync(Bound, Ct);
        await Task.Yield(); // off the loop's thread, if this continuation ran there
        long takeOvers = ClientEventLoop.Shared.TakeOvers;
        uint firstXid = 0;

        // The first call's continuation runs where its reply is read: on the loop, which gave the
        // role up, so nobody reads the socket while it runs. Everything it needs it does itself,
        // without waiting for another thread.
        Task<XdrInt> first = client.CallAsync<XdrInt, XdrInt>(Double, 1, Ct).AsTask();
        Task<(string? Thread, bool SecondAtOnce, int Second, Task<XdrInt> Third, bool ThirdAtOnce, int SocketWaits)> continued = first.ContinueWith(t =>
        {
            t.GetAwaiter().GetResult();
            int waitsBefore = LoopOf(client).SocketWaits; // this thread may have made the warm-up call too
            server.ReplyNow(Volatile.Read(ref firstXid) + 1, 4); // the next call's reply, before it is sent (xids are consecutive)
            long quickest = path == Path.ReadAfterLongSend ? 1 : long.MaxValue; // any send lasts long, or none does
            LoopOf(client).SendTiming.Quickest = quickest;
            ValueTask<XdrInt> second = client.CallAsync<XdrInt, XdrInt>(Double, 2, Ct);
            bool secondAtOnce = second.IsCompleted;
            int secondValue = second.IsCompleted ? second.Result.Value : -1;
            LoopOf(client).SendTiming.Quickest = quickest;
            ValueTask<XdrInt> third = client.CallAsync<XdrInt, XdrInt>(Double, 3, Ct); // no reply before this returns: the loop reads it
            bool thirdAtOnce = third.IsCompleted;
            return (Thread.CurrentThread.Name, secondAtOnce, secondValue, third.AsTask(), thirdAtOnce, LoopOf(client).SocketWaits - waitsBefore);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        ReceivedCall call1 = await server.ReceiveAsync();
        Volatile.Write(ref firstXid, call1.Xid);
        await server.ReplyAsync(call1.Xid, 2 * call1.IntArgument);

        (string? thread, bool secondAtOnce, int second, Task<XdrInt> third, bool thirdAtOnce, int socketWaits) = await continued.WaitAsync(Bound, Ct);
        ReceivedCall call2 = await server.ReceiveAsync();
        ReceivedCall call3 = await server.ReceiveAsync();
        Assert.Equal((call1.Xid + 1, 2), (call2.Xid, call2.IntArgument));
        Assert.Equal(3, call3.IntArgument);
        await server.ReplyAsync(call3.Xid, 6);
        int thirdValue = (await third.WaitAsync(Bound, Ct)).Value;

        // Nothing is left out of step: calls go on as usual, the loop reading.
        Task<XdrInt> fourth = client.CallAsync<XdrInt, XdrInt>(Double, 4, Ct).AsTask();
        ReceivedCall call4 = await server.ReceiveAsync();
        await server.ReplyAsync(call4.Xid, 8);
        Assert.Equal(8, (await fourth.WaitAsync(Bound, Ct)).Value);

        if (otherCall is not null)
        {
            await otherServer.ReplyAsync(otherReceived!.Xid, 18);
            Assert.Equal(18, (await otherCall.WaitAsync(Bound, Ct)).Value);
        }
        return thread == LoopThread && ClientEventLoop.Shared.TakeOvers == takeOvers
            ? new Outcome(secondAtOnce, second, thirdAtOnce, thirdValue, socketWaits)
            : null;
    }

    /// <summary>Calls by a sequential awaited caller on the loop's thread against a real server for
    /// at least <paramref name="forMs"/>: how many, how many waited in their socket, how many ran
    /// elsewhere than on the loop's thread, and whether the loop was taken over meanwhile.</summary>
    private static async Task<(int Calls, int SocketWaits, int OffLoop, bool TakenOver)> ChainAsync(RpcTransportKind transport, int forMs)
    {
        await using OncRpc.Tests.Server.ServerHarness harness = await OncRpc.Tests.Server.ServerHarness.StartAsync();
        await using RpcClient client = transport == RpcTransportKind.Udp
            ? RpcClient.CreateUdp((IPEndPoint)harness.Udp)
            : await RpcClient.ConnectTcpAsync(harness.Tcp, cancellationToken: Ct);
        var echo = new RpcProcedureDescriptor(OncRpc.Tests.Server.ServerHarness.Program, 1, OncRpc.Tests.Server.ServerHarness.EchoProc, "TEST_PROG", "ECHO");
        await client.CallAsync<XdrString, XdrString>(echo, "warm", Ct);
        await Task.Yield(); // off the loop's thread, if this continuation ran there
        long takeOvers = ClientEventLoop.Shared.TakeOvers;
        int waitsBefore = LoopOf(client).SocketWaits;
        int calls = 0, offLoop = 0;
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        while (elapsed.ElapsedMilliseconds < forMs)
        {
            // After the first, each call is made where the previous one continued: on the loop.
            Assert.Equal("x", (string)await client.CallAsync<XdrString, XdrString>(echo, "x", Ct));
            calls++;
            offLoop += Thread.CurrentThread.Name == LoopThread ? 0 : 1;
        }
        return (calls, LoopOf(client).SocketWaits - waitsBefore, offLoop, ClientEventLoop.Shared.TakeOvers != takeOvers);
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public async Task A_sequential_caller_on_the_loop_waits_in_its_socket_and_returns_to_the_loop_often_enough_never_to_be_taken_over(RpcTransportKind transport)
    {
        Assert.SkipUnless(ClientEventLoop.IsSupported, "the client event loop is Linux only");
        // Longer than the watchdog's period several times over: one unbroken chain of calls
        // completed in the socket would be taken for stuck user code.
        int forMs = 8 * (int)ClientEventLoop.StuckPeriod.TotalMilliseconds;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            (int calls, int socketWaits, int offLoop, bool takenOver) = await ChainAsync(transport, forMs);
            Assert.True(socketWaits > 0, $"{calls} calls, none waited in its socket");
            Assert.True(socketWaits < calls - offLoop, $"{calls} calls ({offLoop} off the loop), {socketWaits} waited in their socket: the chain never went back to the loop");
            if (!takenOver && offLoop < calls / 2)
            {
                return;
            }
            // A busy machine can hold the loop's thread past the watchdog's period: try again.
        }
        Assert.Fail("in five attempts the loop was taken over, or the calls ran elsewhere, every time");
    }

    [Fact]
    public void A_send_is_long_when_it_lasts_over_twice_the_quickest_recent_one_which_follows_quicker_sends_at_once_and_slower_ones_slowly()
    {
        var timing = new SendTiming();
        Assert.False(timing.LastedLong(started: 0, now: 1000)); // the first is the quickest so far
        Assert.Equal(1000, timing.Quickest);
        Assert.False(timing.LastedLong(0, 2000)); // twice: not over it
        Assert.True(timing.LastedLong(0, 2100));
        long crept = timing.Quickest;
        Assert.InRange(crept, 1001, 1000 + (1100 >> 8) + 4); // up by about 1/256 of the differences
        Assert.False(timing.LastedLong(0, 600)); // a quicker send: the new quickest at once
        Assert.Equal(600, timing.Quickest);
        Assert.True(timing.LastedLong(0, 1300));

        // Slow sends only: the quickest creeps towards them, so a lasting slowdown stops counting as long.
        var slowed = new SendTiming();
        slowed.LastedLong(0, 1000);
        int longOnes = 0;
        for (int i = 0; i < 2000; i++)
        {
            longOnes += slowed.LastedLong(0, 5000) ? 1 : 0;
        }
        Assert.InRange(longOnes, 1, 1999);
        Assert.False(slowed.LastedLong(0, 5000));
        Assert.True(slowed.Quickest > 2500);
    }
}
