using System.Buffers.Binary;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Server.ServerHarness;

namespace OncRpc.Tests.Server;

/// <summary>Seeded random and mutated messages: the server answers well-formed replies or
/// drops, never crashes, and keeps serving.</summary>
public sealed class HostileInputTests
{
    private static byte[] Mutate(Random random, byte[] valid)
    {
        byte[] bytes = [.. valid];
        switch (random.Next(4))
        {
            case 0:
                return bytes[..random.Next(bytes.Length)];                 // truncated
            case 1:
                for (int i = random.Next(1, 6); i > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256); // flipped bytes
                }
                return bytes;
            case 2:
                int at = random.Next(bytes.Length / 4) * 4;                  // a word set to a huge length
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), 0xFFFF_FFF0u + (uint)random.Next(16));
                return bytes;
            default:
                byte[] noise = new byte[random.Next(0, 200)];
                random.NextBytes(noise);
                return noise;
        }
    }

    private static void AssertWellFormedReply(byte[] reply)
    {
        Assert.True(reply.Length >= 16, "a reply has at least xid, REPLY, reply_stat and one more word");
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4)));
        Assert.True(BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(8)) <= 1);
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp, 1)]
    [InlineData(RpcTransportKind.Udp, 2)]
    [InlineData(RpcTransportKind.Local, 3)]
    public async Task Mutated_calls_get_replies_or_drops_and_the_server_keeps_serving(RpcTransportKind transport, int seed)
    {
        var random = new Random(seed);
        byte[][] valid =
        [
            RpcBytes.CallMessage(1, Program, 1, EchoProc, new XdrBytes().String("hello").ToArray()),
            RpcBytes.CallMessage(2, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthSys, credBody: RpcBytes.AuthSysBody(1, "m", 2, 3, 4)),
            RpcBytes.CallMessage(3, Program, 3, 0),
            RpcBytes.CallMessage(4, Program, 1, BigProc, XdrBytes.Words(10)),
        ];
        await using ServerHarness harness = await ServerHarness.StartAsync(new OncRpc.Server.RpcServerOptions { EnableAuthShort = true });
        await using FakePeer peer = await harness.ConnectAsync(transport);
        // UDP replies pile up unread until the end: room for all of them (a loss would look
        // like a missing marker reply).
        peer.Socket.ReceiveBufferSize = 4 << 20;
        int count = transport == RpcTransportKind.Udp ? 100 : 300;
        for (int i = 0; i < count; i++)
        {
            await peer.SendMessageAsync(Mutate(random, valid[random.Next(valid.Length)]));
        }
        // A final marker call: everything before it was answered or dropped.
        await peer.SendMessageAsync(RpcBytes.CallMessage(0xFEED_F00D, Program, 1, 0));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            byte[] reply = await peer.ReceiveMessageAsync();
            AssertWellFormedReply(reply);
            if (BinaryPrimitives.ReadUInt32BigEndian(reply) == 0xFEED_F00D
                && reply.AsSpan().SequenceEqual(RpcBytes.Success(0xFEED_F00D)))
            {
                break;
            }
            Assert.False(cts.IsCancellationRequested, "marker reply not seen");
        }
        await harness.AssertStillServesAsync(transport);
    }

    [Fact]
    public async Task Random_unframed_bytes_on_many_connections_do_not_hurt_the_server()
    {
        var random = new Random(42);
        await using ServerHarness harness = await ServerHarness.StartAsync();
        for (int i = 0; i < 30; i++)
        {
            await using FakePeer peer = await harness.ConnectAsync(i % 2 == 0 ? RpcTransportKind.Tcp : RpcTransportKind.Local);
            byte[] noise = new byte[random.Next(1, 3000)];
            random.NextBytes(noise);
            try
            {
                await peer.SendRawAsync(noise);
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The server may already have closed on an oversized header.
            }
        }
        await harness.AssertStillServesAsync(RpcTransportKind.Tcp);
        await harness.AssertStillServesAsync(RpcTransportKind.Local);
    }
}
