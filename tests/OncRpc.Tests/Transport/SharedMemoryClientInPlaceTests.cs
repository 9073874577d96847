using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Client.Internal;
using OncRpc.Tests.Support;
using OncRpc.Transport;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Tests.Transport;

/// <summary>The client decoding replies where they lie in the server-to-client ring (the
/// synchronous reader's in-place path): against a fake server that writes the ring by hand, so
/// the tests choose how records lie (several at once, one cut short, wrapped) and can rewrite
/// the bytes while the client decodes them.</summary>
public sealed class SharedMemoryClientInPlaceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fake server on a Unix socket: hands a mapping over, then the test reads calls
    /// and writes replies through the rings itself.</summary>
    internal sealed class FakeServer : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly Socket _accepted;
        private readonly RecordDecoder _decoder = new();

        private FakeServer(string path, Socket listener, Socket accepted, ShmMapping mapping, RpcClient client)
        {
            Path = path;
            _listener = listener;
            _accepted = accepted;
            Mapping = mapping;
            Client = client;
            FromClient = new ShmRing(mapping, ShmMapping.ClientToServer, 0);
            ToClient = new ShmRing(mapping, ShmMapping.ServerToClient, 0);
        }

        public string Path { get; }
        public ShmMapping Mapping { get; }
        public RpcClient Client { get; }
        public ShmRing FromClient { get; }
        public ShmRing ToClient { get; }
        public long Written { get; private set; } // bytes written into ToClient so far

        public static async Task<FakeServer> StartAsync(int ringSize, TimeSpan callTimeout)
        {
            Assert.SkipUnless(ShmLibc.IsSupported, "shared memory needs Linux x86_64");
            string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"oncrpc-shm-{Guid.NewGuid():N}.sock");
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            Task<RpcClient> connecting = RpcClient.ConnectSharedMemoryAsync(path, new RpcClientOptions { Timeout = callTimeout }, Ct);
            Socket accepted = await listener.AcceptAsync(Ct);
            ShmMapping mapping = ShmHandshake.Offer(accepted, ringSize, _ => true, out _)!;
            return new FakeServer(path, listener, accepted, mapping, await connecting);
        }

        /// <summary>Waits for the next call record and returns its xid.</summary>
        public uint NextCallXid()
        {
            byte[] buffer = new byte[4096];
            var pending = new ArrayBufferWriter<byte>();
            while (true)
            {
                var sequence = new ReadOnlySequence<byte>(pending.WrittenMemory);
                if (_decoder.TryDecode(ref sequence, out ReadOnlySequence<byte> record))
                {
                    byte[] rest = sequence.ToArray();
                    uint xid = BinaryPrimitives.ReadUInt32BigEndian(record.FirstSpan.Length >= 4 ? record.FirstSpan : record.ToArray());
                    Assert.Empty(rest); // one call at a time
                    return xid;
                }
                Assert.True(FromClient.WaitReadable(System.Diagnostics.Stopwatch.GetTimestamp() + 10 * System.Diagnostics.Stopwatch.Frequency), "a call arrives");
                int n = FromClient.Read(buffer);
                pending.Write(buffer.AsSpan(0, n));
            }
        }

        /// <summary>Closes the handshake socket, as the server process dying does.</summary>
        public void Die() => _accepted.Close();

        public void Write(ReadOnlySpan<byte> bytes)
        {
            ToClient.WriteAll(bytes, 10_000);
            Written += bytes.Length;
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            _accepted.Dispose();
            _listener.Dispose();
            Mapping.Dispose();
            _decoder.Dispose();
            File.Delete(Path);
        }
    }

    /// <summary>A record-marked ECHO reply: SUCCESS with <paramref name="data"/> as the opaque.</summary>
    private static byte[] EchoReply(uint xid, byte[] data)
    {
        byte[] message = RpcBytes.Success(xid, XdrBytes.OpaqueOf(data));
        byte[] record = new byte[4 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(record, 0x8000_0000u | (uint)message.Length);
        message.CopyTo(record, 4);
        return record;
    }

    private static ReplyReader ReaderOf(RpcClient client) => ((StreamRpcClient)client).Connection!.Reader;

    [Fact]
    public async Task Whole_replies_are_decoded_in_place_and_one_cut_short_is_finished_from_a_copy_then_in_place_resumes()
    {
        await using FakeServer server = await FakeServer.StartAsync(4096, TimeSpan.FromSeconds(30));
        RpcClient client = server.Client;
        byte[] first = RingFixture.Pattern(1000, 1);
        Task<XdrOpaque> call = Task.Run(() => client.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, first, Ct), Ct);
        uint xid = server.NextCallXid();
        // Two stray replies (nobody waits for them: dropped) and the start of the real one, at once.
        byte[] reply = EchoReply(xid, first);
        server.Write([.. EchoReply(xid + 1000, [1, 2, 3]), .. EchoReply(xid + 1001, [4]), .. reply.AsSpan(0, 300)]);
        await Eventually.ReachedAsync(() => server.ToClient.Readable == 0, "the client takes the stray replies and copies out the partial one");
        Assert.Equal(2, ReaderOf(client).RecordsDecodedInPlace);
        Assert.False(call.IsCompleted);
        server.Write(reply.AsSpan(300));
        Assert.Equal(first, (await call).Value.ToArray());
        Assert.Equal(2, ReaderOf(client).RecordsDecodedInPlace); // finished from the copy

        // The copy drained: the next replies are read in place again, wrapped around the ring's
        // end or not (4 KiB ring, replies of 1,000 to 3,000 bytes).
        for (int i = 0; i < 12; i++)
        {
            byte[] data = RingFixture.Pattern(1000 + i * 180, 10 + i);
            Task<XdrOpaque> next = Task.Run(() => client.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, data, Ct), Ct);
            server.Write(EchoReply(server.NextCallXid(), data));
            Assert.Equal(data, (await next).Value.ToArray());
            Assert.Equal(3 + i, ReaderOf(client).RecordsDecodedInPlace);
        }
        Assert.True(server.Written > 3 * 4096, "the replies went round the ring several times");
    }

    [Fact]
    public async Task A_reply_larger_than_the_ring_streams_through_it_from_the_copy()
    {
        await using FakeServer server = await FakeServer.StartAsync(4096, TimeSpan.FromSeconds(30));
        byte[] data = RingFixture.Pattern(20_000, 2);
        Task<XdrOpaque> call = Task.Run(() => server.Client.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, data, Ct), Ct);
        byte[] reply = EchoReply(server.NextCallXid(), data);
        await Task.Run(() => server.Write(reply), Ct); // waits for the client to drain the ring, over and over
        Assert.Equal(data, (await call).Value.ToArray());
        Assert.Equal(0, ReaderOf(server.Client).RecordsDecodedInPlace);
    }

    [Fact]
    public async Task A_server_rewriting_a_reply_while_the_client_decodes_it_in_place_gets_a_refusal_or_a_prefix_never_more()
    {
        // The server writes honest replies of 2,000 bytes of a known pattern, and a thread keeps
        // rewriting the opaque's length word of the reply in the ring while the client decodes
        // it: the client must return either CannotDecodeReply or data that is the pattern's
        // prefix of the length it read once (never bytes from outside the reply or the ring).
        const int RingSize = 64 * 1024;
        const int Length = 2000;
        await using FakeServer server = await FakeServer.StartAsync(RingSize, TimeSpan.FromSeconds(30));
        byte[] data = RingFixture.Pattern(Length, 3);
        uint[] lies = [0, 4, Length - 4, Length, Length + 4, Length + 1000, RingSize, 0x7FFF_FFFF, 0xFFFF_FFFF];
        long replyStart = -1;
        using var stop = new CancellationTokenSource();
        var scribbler = new Thread(() =>
        {
            var random = new Random(5);
            unsafe
            {
                byte* ring = server.Mapping.Data(ShmMapping.ServerToClient);
                while (!stop.IsCancellationRequested)
                {
                    long start = Volatile.Read(ref replyStart);
                    if (start < 0)
                    {
                        continue;
                    }
                    uint lie = lies[random.Next(lies.Length)];
                    for (int i = 0; i < 4; i++)
                    {
                        // The length word sits after the record mark and 24 bytes of header.
                        ring[(start + 28 + i) & (RingSize - 1)] = (byte)(lie >> (24 - 8 * i));
                    }
                }
            }
        }) { IsBackground = true };
        scribbler.Start();
        int refused = 0;
        int prefixes = 0;
        try
        {
            for (int round = 0; round < 300; round++)
            {
                Task<XdrOpaque> call = Task.Run(() => server.Client.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, new byte[] { 1 }, Ct), Ct);
                uint xid = server.NextCallXid();
                Volatile.Write(ref replyStart, server.Written);
                server.Write(EchoReply(xid, data));
                try
                {
                    byte[] result = (await call).Value.ToArray();
                    Assert.True(result.Length <= Length, $"{result.Length} bytes out of a {Length}-byte opaque");
                    Assert.Equal(data[..result.Length], result);
                    prefixes++;
                }
                catch (RpcException e) when (e.Status == RpcStatus.CannotDecodeReply)
                {
                    refused++;
                }
            }
        }
        finally
        {
            stop.Cancel();
            scribbler.Join();
        }
        Assert.Equal(300, refused + prefixes);
        Assert.True(ReaderOf(server.Client).RecordsDecodedInPlace >= 290, "the replies were decoded in place");
    }
}
