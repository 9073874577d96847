using OncRpc.Server;
using OncRpc.Testing;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Server.ServerHarness;

namespace OncRpc.Tests.Server;

public sealed class UdpTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_reply_over_the_datagram_limit_becomes_SYSTEM_ERR(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Udp);
        byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(1, Program, 1, BigProc, XdrBytes.Words(66_000)));
        Assert.Equal(Hex.Of(RpcBytes.SystemError(1)), Hex.Of(reply));
        // Under the limit is fine.
        reply = await peer.CallAsync(RpcBytes.CallMessage(2, Program, 1, BigProc, XdrBytes.Words(60_000)));
        Assert.Equal(60_000 + 28, reply.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_datagram_over_the_limit_is_dropped(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads, MaxUdpDatagramSize = 1000 });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Udp);
        await peer.SendMessageAsync(RpcBytes.CallMessage(1, Program, 1, EchoProc, new XdrBytes().String(new string('a', 1500)).ToArray()));
        Assert.True(await peer.ReceivesNothingAsync(TimeSpan.FromMilliseconds(300)));
        await harness.AssertStillServesAsync(RpcTransportKind.Udp);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Replies_go_to_each_sender(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        var peers = new List<FakePeer>();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                peers.Add(await harness.ConnectAsync(RpcTransportKind.Udp));
            }
            for (int i = 0; i < peers.Count; i++)
            {
                await peers[i].SendMessageAsync(RpcBytes.CallMessage((uint)i, Program, 1, EchoProc, new XdrBytes().String("peer" + i).ToArray()));
            }
            for (int i = 0; i < peers.Count; i++)
            {
                Assert.Equal(Hex.Of(RpcBytes.Success((uint)i, new XdrBytes().String("peer" + i).ToArray())),
                    Hex.Of(await peers[i].ReceiveMessageAsync()));
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
}
