using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

public class BroadcastTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Gathers_every_successful_reply_within_the_window()
    {
        // Loopback has no broadcast delivery to loopback-bound sockets, so the "broadcast address"
        // is one fake server that answers from itself and from two other sockets, as three hosts would.
        using var server = new FakeUdpServer();
        using var second = new FakeUdpServer();
        using var third = new FakeUdpServer();
        Task responder = Task.Run(async () =>
        {
            var (call, from, _) = await server.ReceiveCallAsync();
            await server.SendAsync(RpcBytes.Success(call.Xid, XdrBytes.Int(1)), from);
            await server.SendAsync(RpcBytes.Success(call.Xid, XdrBytes.Int(1)), from);        // duplicate: counted once
            await second.SendAsync(RpcBytes.Success(call.Xid, XdrBytes.Int(2)), from);
            await third.SendAsync(RpcBytes.Accepted(call.Xid, 1), from);                  // PROG_UNAVAIL: skipped
            await third.SendAsync(RpcBytes.Success(call.Xid + 1, XdrBytes.Int(99)), from);    // other xid: skipped
        }, Ct);
        IReadOnlyList<RpcBroadcastReply<XdrInt>> replies = await RpcBroadcast.CallAsync<XdrInt, XdrInt>(
            server.EndPoint, TcpClientTests.Echo, 7, TimeSpan.FromMilliseconds(700), Ct);
        await responder;
        Assert.Equal(2, replies.Count);
        Assert.Contains(replies, r => r.Sender.Port == server.EndPoint.Port && r.Result.Value == 1);
        Assert.Contains(replies, r => r.Sender.Port == second.EndPoint.Port && r.Result.Value == 2);
    }

    [Fact]
    public async Task An_empty_window_returns_no_replies_and_cancellation_throws()
    {
        using var server = new FakeUdpServer();
        IReadOnlyList<RpcBroadcastReply<XdrInt>> replies = await RpcBroadcast.CallAsync<XdrInt, XdrInt>(
            server.EndPoint, TcpClientTests.Echo, 7, TimeSpan.FromMilliseconds(200), Ct);
        Assert.Empty(replies);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            RpcBroadcast.CallAsync<XdrInt, XdrInt>(server.EndPoint, TcpClientTests.Echo, 7, TimeSpan.FromSeconds(10), cts.Token));
    }
}
