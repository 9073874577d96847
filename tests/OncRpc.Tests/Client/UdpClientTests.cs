using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Tests.Server;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

public class UdpClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Call_goes_out_as_one_datagram_and_the_reply_is_decoded()
    {
        using var server = new FakeUdpServer();
        await using RpcClient client = RpcClient.CreateUdp(server.EndPoint);
        ValueTask<XdrString> call = client.CallAsync<XdrString, XdrString>(TcpClientTests.Echo, "ping", Ct);
        var (received, from, _) = await server.ReceiveCallAsync();
        Assert.Equal(XdrBytes.StringOf("ping"), received.Arguments);
        await server.SendAsync(RpcBytes.Success(received.Xid, XdrBytes.StringOf("pong")), from);
        Assert.Equal("pong", (string)await call);
    }

    [Fact]
    public async Task A_call_allocates_nothing_its_datagram_is_pooled()
    {
        // The calling thread encodes, sends, reads and decodes a blocking call itself, so its own
        // allocation counter sees the whole client side (the server's threads are not counted).
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using RpcClient client = RpcClient.CreateUdp((IPEndPoint)harness.Udp);
        var nullProc = new RpcProcedureDescriptor(ServerHarness.Program, 1, 0, "TEST_PROG", "NULL");
        for (int i = 0; i < 200; i++)
        {
            client.Call<XdrVoid, XdrVoid>(nullProc, default, Ct);
        }
        const int calls = 500;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            client.Call<XdrVoid, XdrVoid>(nullProc, default, Ct);
        }
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
        Assert.True(perCall == 0, $"{perCall} bytes per call");
    }

    [Fact]
    public async Task Retransmissions_keep_the_xid_and_back_off()
    {
        using var server = new FakeUdpServer();
        await using RpcClient client = RpcClient.CreateUdp(server.EndPoint, new RpcClientOptions
        {
            RetransmitInterval = TimeSpan.FromMilliseconds(100),
            MaxRetransmitInterval = TimeSpan.FromMilliseconds(400),
            Timeout = TimeSpan.FromSeconds(10),
        });
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 3, Ct);
        var arrivals = new List<(ReceivedCall Call, EndPoint From, long At)>();
        for (int i = 0; i < 5; i++)
        {
            arrivals.Add(await server.ReceiveCallAsync());
        }
        Assert.Single(arrivals.Select(a => a.Call.Xid).Distinct());
        Assert.All(arrivals, a => Assert.Equal(arrivals[0].Call.Message, a.Call.Message));
        long[] gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => b.At - a.At).ToArray();
        // 100, 200, 400, 400 ms nominal; a late wake-up of the receiver shortens one gap and
        // lengthens the next, so check the sum and the capped tail.
        Assert.True(gaps.Sum() >= 1000, $"gaps {string.Join(",", gaps)}");
        Assert.True(gaps[0] < gaps[2] && gaps[3] >= 300, $"gaps {string.Join(",", gaps)}");
        Assert.True(gaps[3] < 1500, $"backoff is capped: gaps {string.Join(",", gaps)}");
        await server.SendAsync(RpcBytes.Success(arrivals[0].Call.Xid, XdrBytes.Int(3)), arrivals[^1].From);
        Assert.Equal(3, (int)await call);
    }

    [Fact]
    public async Task Stale_and_duplicate_replies_are_ignored()
    {
        using var server = new FakeUdpServer();
        await using RpcClient client = RpcClient.CreateUdp(server.EndPoint);
        ValueTask<XdrInt> first = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct);
        var (c1, from, _) = await server.ReceiveCallAsync();
        await server.SendAsync(RpcBytes.Success(c1.Xid, XdrBytes.Int(1)), from);
        Assert.Equal(1, (int)await first);

        ValueTask<XdrInt> second = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 2, Ct);
        var (c2, _, _) = await server.ReceiveCallAsync();
        await server.SendAsync(RpcBytes.Success(c1.Xid, XdrBytes.Int(-1)), from);      // duplicate of an answered call
        await server.SendAsync(RpcBytes.Success(c2.Xid + 77, XdrBytes.Int(-2)), from); // unknown
        await server.SendAsync([0, 0, 0], from);                                   // runt
        await server.SendAsync(RpcBytes.Success(c2.Xid, XdrBytes.Int(2)), from);
        await server.SendAsync(RpcBytes.Success(c2.Xid, XdrBytes.Int(-3)), from);      // duplicate of this one
        Assert.Equal(2, (int)await second);

        ValueTask<XdrInt> third = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 3, Ct);
        var (c3, _, _) = await server.ReceiveCallAsync();
        await server.SendAsync(RpcBytes.Success(c3.Xid, XdrBytes.Int(3)), from);
        Assert.Equal(3, (int)await third);
    }

    [Fact]
    public async Task No_reply_times_out()
    {
        using var server = new FakeUdpServer();
        await using RpcClient client = RpcClient.CreateUdp(server.EndPoint, new RpcClientOptions
        {
            Timeout = TimeSpan.FromMilliseconds(400),
            RetransmitInterval = TimeSpan.FromMilliseconds(100),
        });
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct));
        Assert.Equal(RpcStatus.TimedOut, e.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_closed_port_is_cannot_bind(bool blocking)
    {
        var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var endPoint = (IPEndPoint)probe.LocalEndPoint!;
        probe.Dispose();
        await using RpcClient client = RpcClient.CreateUdp(endPoint, new RpcClientOptions
        {
            Timeout = TimeSpan.FromSeconds(5),
            RetransmitInterval = TimeSpan.FromMilliseconds(100),
        });
        // The event loop's read and the blocking caller's read each report the ICMP refusal.
        var e = blocking
            ? Assert.Throws<RpcException>(() => client.Call<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct))
            : await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct));
        Assert.Equal(RpcStatus.CannotBind, e.Status);
    }

    [Fact]
    public async Task Oversized_calls_are_refused_and_batching_is_not_supported()
    {
        using var server = new FakeUdpServer();
        await using RpcClient client = RpcClient.CreateUdp(server.EndPoint, new RpcClientOptions { MaxUdpDatagramSize = 100 });
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CallAsync<XdrString, XdrInt>(TcpClientTests.Echo, new string('x', 200), Ct));
        Assert.Equal(RpcStatus.MessageTooLarge, e.Status);
        await Assert.ThrowsAsync<NotSupportedException>(async () => await client.BatchAsync<XdrInt>(TcpClientTests.Echo, 1, Ct));
    }

    [Fact]
    public async Task One_way_and_raw_calls_over_udp()
    {
        using var server = new FakeUdpServer(AddressFamily.InterNetworkV6);
        await using RpcClient client = RpcClient.CreateUdp(server.EndPoint);
        await client.SendOneWayAsync<XdrInt>(TcpClientTests.Echo, 5, Ct);
        var (oneWay, from, _) = await server.ReceiveCallAsync();
        Assert.Equal(5, oneWay.IntArgument);

        byte[] message = XdrBytes.Words(0xABCDEF01, 0, 2, 7, 1, 0, 0, 0, 0, 0);
        ValueTask<ReadOnlyMemory<byte>> raw = client.CallRawAsync(message, Ct);
        var (rawCall, _, _) = await server.ReceiveCallAsync();
        Assert.Equal(message, rawCall.Message);
        byte[] reply = RpcBytes.Accepted(0xABCDEF01, 1);
        await server.SendAsync(reply, from);
        Assert.Equal(reply, (await raw).ToArray());
    }
}
