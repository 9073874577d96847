using OncRpc.Server;
using OncRpc.Testing;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Server.ServerHarness;

namespace OncRpc.Tests.Server;

/// <summary>
/// Datagrams that pile up while the UDP end point's thread is held (a BLOCK call, which completes
/// synchronously on that thread after blocking it) are then taken together: by batches of
/// <c>recvmmsg</c>, replies by <c>sendmmsg</c>, on the event loops (2 threads); one at a time on
/// .NET's socket engine (0), which must behave the same.
/// </summary>
public sealed class UdpBatchTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(250);

    /// <summary>Holds the end point's thread in a BLOCK call from <paramref name="blocker"/>.</summary>
    private static async Task HoldAsync(ServerHarness harness, FakePeer blocker)
    {
        await blocker.SendMessageAsync(RpcBytes.CallMessage(0xB10C, Program, 1, BlockProc, XdrBytes.Int(7)));
        await harness.Blocked.Task.WaitAsync(FakePeer.DefaultTimeout, TestContext.Current.CancellationToken);
    }

    private static async Task ReleaseAsync(ServerHarness harness, FakePeer blocker)
    {
        harness.LoopGate.Set();
        Assert.Equal(Hex.Of(RpcBytes.Success(0xB10C, XdrBytes.Int(7))), Hex.Of(await blocker.ReceiveMessageAsync()));
    }

    private static byte[] Echo(uint xid, string text) => RpcBytes.CallMessage(xid, Program, 1, EchoProc, XdrBytes.StringOf(text));

    private static string EchoReply(uint xid, string text) => Hex.Of(RpcBytes.Success(xid, XdrBytes.StringOf(text)));

    /// <summary>The next <paramref name="count"/> datagrams <paramref name="peer"/> receives, in hex, in any order.</summary>
    private static async Task<HashSet<string>> RepliesAsync(FakePeer peer, int count)
    {
        var replies = new HashSet<string>();
        for (int i = 0; i < count; i++)
        {
            replies.Add(Hex.Of(await peer.ReceiveMessageAsync()));
        }
        return replies;
    }

    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    public async Task A_burst_from_many_sockets_is_answered_to_each_sender(bool ipv6, int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads }, ipv6);
        await using FakePeer blocker = await harness.ConnectAsync(RpcTransportKind.Udp);
        var peers = new List<FakePeer>();
        try
        {
            for (int i = 0; i < 40; i++)
            {
                peers.Add(await harness.ConnectAsync(RpcTransportKind.Udp));
            }
            await HoldAsync(harness, blocker);
            // 120 datagrams wait: several batches and more than one wake-up's worth.
            for (int call = 0; call < 3; call++)
            {
                for (int i = 0; i < peers.Count; i++)
                {
                    await peers[i].SendMessageAsync(Echo((uint)(i * 16 + call), $"peer {i} call {call}"));
                }
            }
            await ReleaseAsync(harness, blocker);
            for (int i = 0; i < peers.Count; i++)
            {
                HashSet<string> replies = await RepliesAsync(peers[i], 3);
                for (int call = 0; call < 3; call++)
                {
                    Assert.Contains(EchoReply((uint)(i * 16 + call), $"peer {i} call {call}"), replies);
                }
                Assert.True(await peers[i].ReceivesNothingAsync(TimeSpan.FromMilliseconds(1)), "one reply per call");
            }
        }
        finally
        {
            foreach (FakePeer peer in peers)
            {
                await peer.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task A_batch_mixing_calls_garbage_oversized_datagrams_and_awaiting_calls_answers_each_as_alone(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads, MaxUdpDatagramSize = 1000 });
        await using FakePeer blocker = await harness.ConnectAsync(RpcTransportKind.Udp);
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Udp);
        await HoldAsync(harness, blocker);
        await peer.SendMessageAsync(Echo(1, "first"));
        await peer.SendMessageAsync([1, 2, 3]);                                                  // no xid: dropped
        await peer.SendMessageAsync(RpcBytes.CallMessage(2, Program, 1, EchoProc, rpcVersion: 3)); // RPC_MISMATCH
        await peer.SendMessageAsync(Echo(3, new string('x', 1500)));                             // over the limit: dropped
        await peer.SendMessageAsync(RpcBytes.CallMessage(4, Program, 1, WaitProc, XdrBytes.Int(40)));
        await peer.SendMessageAsync(RpcBytes.CallMessage(5, Program, 1, ThrowProc));             // SYSTEM_ERR
        await peer.SendMessageAsync(RpcBytes.CallMessage(6, Program, 1, WaitProc, XdrBytes.Int(60)));
        await peer.SendMessageAsync(RpcBytes.CallMessage(7, Program, 1, BigProc, XdrBytes.Int(2000))); // reply over the limit: SYSTEM_ERR
        await peer.SendMessageAsync(Echo(8, "last"));
        await ReleaseAsync(harness, blocker);

        HashSet<string> replies = await RepliesAsync(peer, 5);
        Assert.Equal(
            new HashSet<string>
            {
                EchoReply(1, "first"), Hex.Of(RpcBytes.RpcMismatch(2, 2, 2)), Hex.Of(RpcBytes.SystemError(5)),
                Hex.Of(RpcBytes.SystemError(7)), EchoReply(8, "last"),
            },
            replies);
        // The awaiting calls answer when their handlers finish, not with the batch.
        Assert.True(await peer.ReceivesNothingAsync(Quiet));
        Assert.Equal(2, harness.Waiting);
        harness.Gate.SetResult();
        Assert.Equal(new HashSet<string> { Hex.Of(RpcBytes.Success(4, XdrBytes.Int(41))), Hex.Of(RpcBytes.Success(6, XdrBytes.Int(61))) }, await RepliesAsync(peer, 2));
        Assert.True(await peer.ReceivesNothingAsync(Quiet), "the dropped datagrams get no reply");
        await harness.AssertStillServesAsync(RpcTransportKind.Udp);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public async Task The_call_limit_stops_receipt_within_a_batch(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads, MaxConcurrentUdpCalls = 3 });
        await using FakePeer blocker = await harness.ConnectAsync(RpcTransportKind.Udp);
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Udp);
        await HoldAsync(harness, blocker);
        for (uint xid = 1; xid <= 7; xid++)
        {
            await peer.SendMessageAsync(RpcBytes.CallMessage(xid, Program, 1, WaitProc, XdrBytes.Int((int)xid)));
        }
        await ReleaseAsync(harness, blocker);
        // Seven datagrams wait and three calls may run: the end point takes three and pauses.
        await Eventually.ReachedAsync(() => harness.Server.UdpEndPoints is [{ PausedAtCallLimit: true }], "the UDP end point pauses at its limit");
        Assert.Equal(3, harness.Waiting);
        Assert.Equal(3, harness.Server.UdpEndPoints[0].InFlight.Count);
        Assert.True(await peer.ReceivesNothingAsync(Quiet));
        Assert.Equal(3, harness.MaxWaiting);
        harness.Gate.SetResult();
        HashSet<string> replies = await RepliesAsync(peer, 7);
        for (uint xid = 1; xid <= 7; xid++)
        {
            Assert.Contains(Hex.Of(RpcBytes.Success(xid, XdrBytes.Int((int)xid + 1))), replies);
        }
        Assert.Equal(3, harness.MaxWaiting);
    }
}
