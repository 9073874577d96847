using OncRpc.Client;
using OncRpc.Client.Internal;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

/// <summary>The stream connection's roles: what a failing sender and a record that is not a
/// reply do to the calls around them.</summary>
public class StreamConnectionTests
{
    private static readonly RpcProcedureDescriptor Echo = TcpClientTests.Echo;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<int> ValueOf(ValueTask<XdrInt> call) => (await call).Value;

    private static StreamConnection ConnectionOf(RpcClient client) => ((StreamRpcClient)client).Connection!;

    [Fact]
    public async Task An_unexpected_failure_in_the_send_drain_fails_the_calls_with_it_and_the_next_call_reconnects()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        await server.AcceptAsync();
        StreamConnection connection = ConnectionOf(client);
        var injected = new InvalidOperationException("injected mid-drain");
        connection.Sender.BeforeDrainWrite = _ => throw injected;

        await client.BatchAsync<XdrInt>(Echo, 1, Ct); // stays in the batch buffer: the drain writes nothing yet
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(Echo, 2, Ct); // flushes the batch: the write throws
        var e = await Assert.ThrowsAsync<RpcException>(() => call.AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(RpcStatus.ConnectionLost, e.Status);
        Assert.Same(injected, e.InnerException);
        Assert.True(connection.IsClosed);

        // Nothing stays stuck behind the dead drain: the next call goes out on a new connection.
        ValueTask<XdrInt> next = client.CallAsync<XdrInt, XdrInt>(Echo, 3, Ct);
        FakePeer again = await server.AcceptAsync();
        ReceivedCall received = await again.ReadCallAsync();
        await again.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(30)));
        Assert.Equal(30, (int)await next);
    }

    [Fact]
    public async Task A_one_way_call_whose_drain_fails_throws_with_the_cause()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        await server.AcceptAsync();
        var injected = new NotSupportedException("injected");
        ConnectionOf(client).Sender.BeforeDrainWrite = _ => throw injected;
        var e = await Assert.ThrowsAsync<RpcException>(() => client.SendOneWayAsync<XdrInt>(Echo, 1, Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(RpcStatus.ConnectionLost, e.Status);
        Assert.Same(injected, e.InnerException);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_record_from_the_server_is_dropped_and_the_reply_after_it_still_matches(bool sync)
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        Task<int> call = sync
            ? SyncCallTests.OnThread(() => client.Call<XdrInt, XdrInt>(Echo, 1, Ct).Value)
            : ValueOf(client.CallAsync<XdrInt, XdrInt>(Echo, 1, Ct));
        ReceivedCall received = await peer.ReadCallAsync();
        // msg_type CALL with the pending call's xid: a callback, not its reply (RFC 5531 §9).
        await peer.SendMessageAsync(RpcBytes.CallMessage(received.Xid, 0x40000001, 1, 0));
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(7)));
        Assert.Equal(7, await call.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }
}
