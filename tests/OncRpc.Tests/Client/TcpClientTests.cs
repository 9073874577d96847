using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

public class TcpClientTests
{
    internal static readonly RpcProcedureDescriptor Echo = new(0x31234567, 1, 1, "TESTPROG", "ECHO");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<RpcClient> ConnectAsync(FakeStreamServer server, RpcClientOptions? options = null) =>
        RpcClient.ConnectTcpAsync(server.EndPoint, options, Ct);

    [Fact]
    public async Task Call_sends_the_header_and_arguments_and_decodes_the_result()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await ConnectAsync(server);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> call = client.CallAsync<XdrString, XdrInt>(Echo, "hi", Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        Assert.Equal((0u, 2u, 0x31234567u, 1u, 1u), (received.MessageType, received.RpcVersion,
            received.Program, received.Version, received.Procedure));
        Assert.Equal((0u, 0u), (received.CredentialFlavor, received.VerifierFlavor));
        Assert.Equal(XdrBytes.StringOf("hi"), received.Arguments);
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(42)));
        Assert.Equal(42, (int)await call);
    }

    [Fact]
    public async Task Xids_increase_and_replies_are_matched_out_of_order()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await ConnectAsync(server);
        FakePeer peer = await server.AcceptAsync();
        var calls = Enumerable.Range(0, 3).Select(i => client.CallAsync<XdrInt, XdrInt>(Echo, i, Ct).AsTask()).ToArray();
        var received = new List<ReceivedCall>();
        for (int i = 0; i < 3; i++)
        {
            received.Add(await peer.ReadCallAsync());
        }
        Assert.Equal(received[0].Xid + 1, received[1].Xid);
        Assert.Equal(received[1].Xid + 1, received[2].Xid);
        foreach (ReceivedCall call in Enumerable.Reverse(received))
        {
            await peer.SendMessageAsync(RpcBytes.Success(call.Xid, XdrBytes.Int(call.IntArgument * 10)));
        }
        Assert.Equal([0, 10, 20], (await Task.WhenAll(calls)).Select(r => r.Value));
    }

    [Fact]
    public async Task Unknown_xids_and_non_replies_are_dropped_quietly()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await ConnectAsync(server);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(Echo, 1, Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid + 1000, XdrBytes.Int(-1)));
        await peer.SendMessageAsync(received.Message); // a CALL, not a reply
        await peer.SendMessageAsync([1, 2, 3]);         // garbage
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(7)));
        Assert.Equal(7, (int)await call);
    }

    [Fact]
    public async Task A_call_without_reply_times_out_and_its_late_reply_is_dropped()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await ConnectAsync(server, new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        FakePeer peer = await server.AcceptAsync();
        long start = Environment.TickCount64;
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(Echo, 1, Ct);
        ReceivedCall first = await peer.ReadCallAsync();
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call);
        long elapsed = Environment.TickCount64 - start;
        Assert.Equal(RpcStatus.TimedOut, e.Status);
        Assert.True(e.IsTransient);
        Assert.InRange(elapsed, 250, 5000);

        await peer.SendMessageAsync(RpcBytes.Success(first.Xid, XdrBytes.Int(-1))); // late: dropped
        ValueTask<XdrInt> next = client.CallAsync<XdrInt, XdrInt>(Echo, 2, Ct);
        ReceivedCall second = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(second.Xid, XdrBytes.Int(2)));
        Assert.Equal(2, (int)await next);
    }

    [Fact]
    public async Task Cancellation_throws_OperationCanceledException_and_the_late_reply_is_dropped()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await ConnectAsync(server);
        FakePeer peer = await server.AcceptAsync();
        using var cts = new CancellationTokenSource();
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(Echo, 1, cts.Token);
        ReceivedCall received = await peer.ReadCallAsync();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await call);
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(1)));

        using var already = new CancellationTokenSource();
        already.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.CallAsync<XdrInt, XdrInt>(Echo, 1, already.Token));
    }

    [Fact]
    public async Task Connection_loss_fails_pending_calls_and_the_next_call_reconnects()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await ConnectAsync(server);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> a = client.CallAsync<XdrInt, XdrInt>(Echo, 1, Ct);
        ValueTask<XdrInt> b = client.CallAsync<XdrInt, XdrInt>(Echo, 2, Ct);
        await peer.ReadCallAsync();
        await peer.ReadCallAsync();
        peer.Abort();
        Assert.Equal(RpcStatus.ConnectionLost, (await Assert.ThrowsAsync<RpcException>(async () => await a)).Status);
        Assert.Equal(RpcStatus.ConnectionLost, (await Assert.ThrowsAsync<RpcException>(async () => await b)).Status);

        ValueTask<XdrInt> c = client.CallAsync<XdrInt, XdrInt>(Echo, 3, Ct);
        FakePeer second = await server.AcceptAsync();
        ReceivedCall received = await second.ReadCallAsync();
        await second.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(3)));
        Assert.Equal(3, (int)await c);
    }

    [Fact]
    public async Task Without_reconnect_later_calls_fail_with_connection_lost()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await ConnectAsync(server, new RpcClientOptions { Reconnect = false });
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> a = client.CallAsync<XdrInt, XdrInt>(Echo, 1, Ct);
        await peer.ReadCallAsync();
        peer.Dispose();
        Assert.Equal(RpcStatus.ConnectionLost, (await Assert.ThrowsAsync<RpcException>(async () => await a)).Status);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrInt, XdrInt>(Echo, 1, Ct));
        Assert.Equal(RpcStatus.ConnectionLost, e.Status);
    }

    /// <summary>A loopback port that was bound and never listened on: nothing accepts there.</summary>
    internal static IPEndPoint RefusedEndPoint()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }

    [Fact]
    public async Task Connection_refused_is_cannot_bind()
    {
        IPEndPoint endPoint = RefusedEndPoint();
        var e = await Assert.ThrowsAsync<RpcException>(() => RpcClient.ConnectTcpAsync(endPoint, cancellationToken: Ct));
        Assert.Equal(RpcStatus.CannotBind, e.Status);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task Dns_end_points_and_ipv6_connect()
    {
        await using var server = new FakeStreamServer(AddressFamily.InterNetworkV6);
        await using RpcClient client = await RpcClient.ConnectTcpAsync(new DnsEndPoint("::1", ((IPEndPoint)server.EndPoint).Port), cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(Echo, 5, Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(5)));
        Assert.Equal(5, (int)await call);
    }

    [Fact]
    public async Task Results_that_do_not_decode_are_cannot_decode_reply()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await ConnectAsync(server);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrString> call = client.CallAsync<XdrInt, XdrString>(Echo, 1, Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Words(1000), [1, 2]));
        Assert.Equal(RpcStatus.CannotDecodeReply, (await Assert.ThrowsAsync<RpcException>(async () => await call)).Status);

        ValueTask<XdrInt> bad = client.CallAsync<XdrInt, XdrInt>(Echo, 1, Ct);
        received = await peer.ReadCallAsync();
        await peer.SendMessageAsync(XdrBytes.Words(received.Xid, 1, 7));
        Assert.Equal(RpcStatus.CannotDecodeReply, (await Assert.ThrowsAsync<RpcException>(async () => await bad)).Status);
    }

    [Fact]
    public async Task Calls_larger_than_the_fragment_size_go_out_in_several_fragments()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await ConnectAsync(server, new RpcClientOptions { MaxFragmentSize = 16 });
        FakePeer peer = await server.AcceptAsync();
        string text = new('x', 101);
        ValueTask<XdrInt> call = client.CallAsync<XdrString, XdrInt>(Echo, text, Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        int total = 40 + 4 + 104; // header, length, 101 bytes padded
        Assert.NotEqual(0, total % 16);
        Assert.Equal(Enumerable.Repeat(16, total / 16).Append(total % 16), peer.LastFragments);
        Assert.Equal(XdrBytes.StringOf(text), received.Arguments);
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(1)));
        Assert.Equal(1, (int)await call);
    }

    [Fact]
    public async Task Multi_fragment_replies_are_reassembled_and_oversized_ones_refused()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await ConnectAsync(server, new RpcClientOptions { MaxRecordSize = 1024 });
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrString> call = client.CallAsync<XdrInt, XdrString>(Echo, 1, Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        byte[] reply = RpcBytes.Success(received.Xid, XdrBytes.StringOf("fragmented reply"));
        await peer.SendRawAsync(XdrBytes.Concat(XdrBytes.Words(5), reply[..5], XdrBytes.Words(0), XdrBytes.Words(0x8000_0000 | (uint)(reply.Length - 5)), reply[5..]));
        Assert.Equal("fragmented reply", (string)await call);

        ValueTask<XdrString> big = client.CallAsync<XdrInt, XdrString>(Echo, 1, Ct);
        await peer.ReadCallAsync();
        await peer.SendRawAsync(XdrBytes.Words(0xFFFF_FFFF));
        Assert.Equal(RpcStatus.MessageTooLarge, (await Assert.ThrowsAsync<RpcException>(async () => await big)).Status);
    }
}
