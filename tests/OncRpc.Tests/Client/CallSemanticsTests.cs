using Microsoft.Extensions.Time.Testing;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

/// <summary>The client side of call semantics: at-most-once calls resent with their xid after a
/// lost connection, within one deadline; one-way calls; deadlines in virtual time.</summary>
public sealed class CallSemanticsTests
{
    private static readonly RpcProcedureDescriptor Deposit =
        new(0x31234567, 1, 2, "TESTPROG", "DEPOSIT") { Semantics = RpcCallSemantics.AtMostOnce };
    private static readonly RpcProcedureDescriptor Note =
        new(0x31234567, 1, 3, "TESTPROG", "NOTE") { Semantics = RpcCallSemantics.Maybe };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_at_most_once_call_is_resent_with_its_xid_on_the_next_connection(bool sync)
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, null, Ct);
        FakePeer first = await server.AcceptAsync();
        Task<XdrInt> call = sync
            ? Task.Run(() => client.Call<XdrInt, XdrInt>(Deposit, 5, Ct), Ct)
            : client.CallAsync<XdrInt, XdrInt>(Deposit, 5, Ct).AsTask();
        ReceivedCall sent = await first.ReadCallAsync();
        first.Abort(); // the reply is lost with the connection: did it run? only the xid can tell
        FakePeer second = await server.AcceptAsync();
        ReceivedCall resent = await second.ReadCallAsync();
        Assert.Equal(sent.Xid, resent.Xid);
        Assert.Equal(sent.Message, resent.Message);
        await second.SendMessageAsync(RpcBytes.Success(resent.Xid, XdrBytes.Int(5)));
        Assert.Equal(5, (int)await call);
    }

    [Fact]
    public async Task An_at_least_once_call_is_not_resent_but_fails_so_the_caller_decides()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, null, Ct);
        FakePeer first = await server.AcceptAsync();
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 5, Ct);
        await first.ReadCallAsync();
        first.Abort();
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(RpcStatus.ConnectionLost, e.Status);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task One_deadline_bounds_every_resend_in_virtual_time()
    {
        var time = new FakeTimeProvider();
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint,
            new RpcClientOptions { Timeout = TimeSpan.FromSeconds(10), TimeProvider = time }, Ct);
        FakePeer first = await server.AcceptAsync();
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(Deposit, 5, Ct);
        ReceivedCall sent = await first.ReadCallAsync();
        time.Advance(TimeSpan.FromSeconds(6));
        first.Abort();
        FakePeer second = await server.AcceptAsync();
        Assert.Equal(sent.Xid, (await second.ReadCallAsync()).Xid);
        // The resend has had 5 s of its own, but the call 11 s: past the one deadline.
        time.Advance(TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(RpcStatus.TimedOut, e.Status);
    }

    [Fact]
    public async Task A_lost_connection_after_the_deadline_is_not_resent()
    {
        var time = new FakeTimeProvider();
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint,
            new RpcClientOptions { Timeout = TimeSpan.FromSeconds(10), TimeProvider = time }, Ct);
        FakePeer first = await server.AcceptAsync();
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(Deposit, 5, Ct);
        await first.ReadCallAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(RpcStatus.TimedOut, e.Status);
        first.Abort();
        // The next thing on a new connection is the next call, not a resend of the expired one.
        // (The client may not have seen the reset yet: then its first try fails and it reconnects.)
        Task<XdrInt> next = CallUntilSentOnANewConnectionAsync(client);
        FakePeer second = await server.AcceptAsync();
        ReceivedCall received = await second.ReadCallAsync();
        Assert.Equal(TcpClientTests.Echo.Procedure, received.Procedure);
        await second.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(6)));
        Assert.Equal(6, (int)await next);
    }

    private static async Task<XdrInt> CallUntilSentOnANewConnectionAsync(RpcClient client)
    {
        try
        {
            return await client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 6, Ct);
        }
        catch (RpcException e) when (e.Status == RpcStatus.ConnectionLost)
        {
            return await client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 6, Ct);
        }
    }

    [Fact]
    public async Task Udp_retransmissions_keep_the_xid_and_follow_virtual_time()
    {
        var time = new FakeTimeProvider();
        using var server = new FakeUdpServer();
        await using RpcClient client = RpcClient.CreateUdp(server.EndPoint, new RpcClientOptions
        {
            TimeProvider = time,
            Timeout = TimeSpan.FromSeconds(30),
            RetransmitInterval = TimeSpan.FromSeconds(1),
            MaxRetransmitInterval = TimeSpan.FromSeconds(4),
        });
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(Deposit, 5, Ct);
        var (original, from, _) = await server.ReceiveCallAsync();
        foreach (int wait in new[] { 1, 2, 4, 4 })
        {
            time.Advance(TimeSpan.FromSeconds(wait));
            var (again, _, _) = await server.ReceiveCallAsync();
            Assert.Equal(original.Message, again.Message);
        }
        await server.SendAsync(RpcBytes.Success(original.Xid, XdrBytes.Int(5)), from);
        Assert.Equal(5, (int)await call);
    }

    [Fact]
    public async Task A_maybe_procedure_is_sent_one_way_and_waits_for_nothing()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, null, Ct);
        FakePeer peer = await server.AcceptAsync();
        await client.CallAsync<XdrInt, XdrVoid>(Note, 7, Ct);
        ReceivedCall sent = await peer.ReadCallAsync();
        Assert.Equal(3u, sent.Procedure);
        Assert.Throws<NotSupportedException>(() => client.Call<XdrInt, XdrVoid>(Note, 7, Ct));
    }
}
