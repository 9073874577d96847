using OncRpc.Server;
using OncRpc.Testing;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Server.ServerHarness;

namespace OncRpc.Tests.Server;

/// <summary>Record marking on the server's stream transports, well formed and hostile.</summary>
public sealed class FramingTests
{
    private static byte[] Str(string s) => new XdrBytes().String(s).ToArray();

    [Theory]
    [InlineData(RpcTransportKind.Tcp, 0)]
    [InlineData(RpcTransportKind.Tcp, 2)]
    [InlineData(RpcTransportKind.Local, 0)]
    [InlineData(RpcTransportKind.Local, 2)]
    public async Task Multi_fragment_calls_with_empty_and_odd_fragments_are_reassembled(RpcTransportKind transport, int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using FakePeer peer = await harness.ConnectAsync(transport);
        byte[] call = RpcBytes.CallMessage(1, Program, 1, EchoProc, Str("fragmented record"));
        await peer.SendRawAsync(RpcBytes.Fragment(call, 0, 1, 3, 0, 5, 7, 0, 13));
        Assert.Equal(Hex.Of(RpcBytes.Success(1, Str("fragmented record"))), Hex.Of(await peer.ReceiveMessageAsync()));

        // A record whose last fragment is empty.
        await peer.SendRawAsync(RpcBytes.Fragment(RpcBytes.CallMessage(2, Program, 1, 0), 40));
        Assert.Equal(Hex.Of(RpcBytes.Success(2)), Hex.Of(await peer.ReceiveMessageAsync()));

        // Byte by byte.
        byte[] framed = RpcBytes.Fragment(RpcBytes.CallMessage(3, Program, 1, EchoProc, Str("dribble")), 9, 0, 11);
        foreach (byte b in framed)
        {
            await peer.SendRawAsync([b]);
        }
        Assert.Equal(Hex.Of(RpcBytes.Success(3, Str("dribble"))), Hex.Of(await peer.ReceiveMessageAsync()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_1MiB_call_in_libtirpc_sized_fragments_round_trips(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        string text = new('z', 1 << 20);
        byte[] call = RpcBytes.CallMessage(4, Program, 1, EchoProc, Str(text));
        int[] sizes = Enumerable.Repeat(65532, call.Length / 65532).ToArray();
        await peer.SendRawAsync(RpcBytes.Fragment(call, sizes));
        Assert.Equal(RpcBytes.Success(4, Str(text)), await peer.ReceiveMessageAsync());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Pipelined_records_in_one_write_are_all_answered(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        byte[] batch = [];
        for (uint xid = 1; xid <= 20; xid++)
        {
            batch = [.. batch, .. RpcBytes.Fragment(RpcBytes.CallMessage(xid, Program, 1, EchoProc, Str("p" + xid)))];
        }
        await peer.SendRawAsync(batch);
        var seen = new HashSet<string>();
        for (int i = 0; i < 20; i++)
        {
            seen.Add(Hex.Of(await peer.ReceiveMessageAsync()));
        }
        for (uint xid = 1; xid <= 20; xid++)
        {
            Assert.Contains(Hex.Of(RpcBytes.Success(xid, Str("p" + xid))), seen);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task The_cap_is_cumulative_over_fragments(int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads, MaxRecordSize = 4096 });
        await using (FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp))
        {
            // Three non-final fragments of 2000 bytes: the third crosses 4096.
            byte[] fragment = [.. XdrBytes.Words(2000), .. new byte[2000]];
            await peer.SendRawAsync([.. fragment, .. fragment, .. fragment]);
            Assert.True(await peer.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        }
        await harness.AssertStillServesAsync();
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp, 0)]
    [InlineData(RpcTransportKind.Tcp, 2)]
    [InlineData(RpcTransportKind.Local, 0)]
    [InlineData(RpcTransportKind.Local, 2)]
    public async Task A_truncated_record_is_dropped_and_the_server_keeps_serving(RpcTransportKind transport, int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using (FakePeer peer = await harness.ConnectAsync(transport))
        {
            byte[] call = RpcBytes.CallMessage(5, Program, 1, EchoProc, Str("never finished"));
            byte[] framed = RpcBytes.Fragment(call, 12);
            await peer.SendRawAsync(framed[..30]);
            peer.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.True(await peer.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        }
        await harness.AssertStillServesAsync(transport);
    }
}
