using System.Buffers;
using System.Buffers.Binary;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Transport;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Tests.Transport;

/// <summary>Reading the ring in place (<see cref="ShmRing.ReadInPlace"/>), the server's way of
/// taking calls without copying them out first: the view across the ring's end (one piece), partial
/// consumption, hostile counters, and a peer rewriting the bytes while they are decoded.</summary>
public sealed class SharedMemoryInPlaceTests : RingFixture
{
    [Fact]
    public unsafe void Bytes_across_the_ring_end_are_one_piece_in_each_process_and_only_the_consumed_part_is_freed()
    {
        // Two mappings of one memfd, as the server and the client have: the writer's second view
        // of the ring must alias the ring's start in the file, or the other process would not see
        // what was written past the end.
        ShmMapping created = ShmMapping.Create(Size, out int fd);
        using ShmMapping server = created;
        using ShmMapping client = ShmMapping.Open(fd, Size);
        ShmLibc.Close(fd);
        var writer = new ShmRing(server, ShmMapping.ServerToClient, 0);
        var reader = new ShmRing(client, ShmMapping.ServerToClient, 0);
        byte[] skip = new byte[Size - 100];
        Assert.Equal(skip.Length, writer.Write(skip));
        Assert.Equal(skip.Length, reader.Read(new byte[Size]));
        byte[] data = Pattern(300, 7); // starts 100 bytes before the end: wraps
        Assert.Equal(data.Length, writer.Write(data));
        Assert.Equal(data[100..], new ReadOnlySpan<byte>(client.Data(ShmMapping.ServerToClient), 200).ToArray()); // the file wrapped

        byte[]? seen = null;
        bool single = false;
        int readable = reader.ReadInPlace(view =>
        {
            single = view.IsSingleSegment;
            seen = view.ToArray();
            return 120; // past the wrap
        });
        Assert.Equal(300, readable);
        Assert.True(single);
        Assert.Equal(data, seen);

        // The rest stays, and the writer got exactly the consumed space back.
        Assert.Equal(180, reader.Readable);
        Assert.Equal(Size - 180, writer.Write(new byte[Size]));
        byte[] rest = new byte[180];
        Assert.Equal(180, reader.Read(rest));
        Assert.Equal(data[120..], rest);
    }

    [Fact]
    public void An_empty_ring_is_not_handed_to_the_consumer_and_consuming_nothing_frees_nothing()
    {
        Assert.Equal(0, _reader.ReadInPlace(_ => throw new InvalidOperationException("called on an empty ring")));
        Assert.Equal(Size, _writer.Write(new byte[Size + 1]));
        Assert.Equal(Size, _reader.ReadInPlace(view => 0));
        Assert.Equal(0, _writer.Write(new byte[1]));
        Assert.Throws<InvalidOperationException>(() => _reader.ReadInPlace(view => view.Length + 1));
        Assert.Equal(Size, _reader.Readable);
    }

    [Fact]
    public unsafe void Counters_out_of_range_are_an_IOException_before_any_view_is_made()
    {
        long* tail = (long*)_mapping.Control(ShmMapping.ClientToServer);
        Volatile.Write(ref *tail, Size + 1); // more than the ring holds
        Assert.Throws<IOException>(() => _reader.ReadInPlace(_ => throw new InvalidOperationException("view of a broken ring")));
        Volatile.Write(ref *tail, -5); // behind head
        Assert.Throws<IOException>(() => _reader.ReadInPlace(_ => throw new InvalidOperationException("view of a broken ring")));
    }

    [Fact]
    public unsafe void A_peer_rewriting_the_bytes_during_decoding_never_makes_the_decoder_read_outside_the_view()
    {
        // Record marks and lengths in flux under the decoder: it must only ever return records
        // inside the view or refuse one as too large, whatever it reads.
        byte* data = _mapping.Data(ShmMapping.ClientToServer);
        using var stop = new CancellationTokenSource();
        var scribbler = new Thread(() =>
        {
            var random = new Random(3);
            while (!stop.IsCancellationRequested)
            {
                int at = random.Next(Size - 4) & ~3;
                *(uint*)(data + at) = (uint)random.Next() | (random.Next(2) == 0 ? 0x80000000u : 0);
            }
        }) { IsBackground = true };
        scribbler.Start();
        try
        {
            byte[] stream = new byte[Size];
            for (int round = 0; round < 2000; round++)
            {
                // An honest stream: records of 60 bytes with their marks, then the peer scribbles.
                for (int i = 0; i + 64 <= stream.Length; i += 64)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(stream.AsSpan(i), 0x80000000u | 60);
                }
                _writer.Write(stream.AsSpan(0, Size - _reader.Readable));
                using var decoder = new RecordDecoder(maxRecordSize: 1024);
                _reader.ReadInPlace(view =>
                {
                    ReadOnlySequence<byte> rest = view;
                    try
                    {
                        while (decoder.TryDecode(ref rest, out ReadOnlySequence<byte> record))
                        {
                            Assert.True(record.Length <= 1024);
                            _ = record.ToArray(); // a call copies its record: every byte is in range
                        }
                    }
                    catch (RpcException e) when (e.Status == RpcStatus.MessageTooLarge)
                    {
                    }
                    return view.Length; // drop it all: the next round starts clean
                });
            }
        }
        finally
        {
            stop.Cancel();
            scribbler.Join();
        }
    }

    [Fact]
    public async Task Calls_of_every_size_around_the_ring_size_come_through_whole_wrapped_or_not()
    {
        // A 4 KiB ring and calls from 0 to about twice its size: the server's view crosses the
        // ring's end at every offset, records arrive whole or in part (copied out, then read on
        // from the copy), and reading in place resumes after each; async calls batch several.
        await using var server = await SharedMemoryTransportTests.ShmServer.StartAsync(Size);
        await using RpcClient client = await server.ConnectAsync();
        CancellationToken ct = TestContext.Current.CancellationToken;
        for (int length = 0; length < 2 * Size + 200; length += 37)
        {
            byte[] data = Pattern(length, length);
            Assert.Equal(data, client.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, data, ct).Value.ToArray());
        }
        var calls = new List<(byte[] Sent, Task<XdrOpaque> Reply)>();
        for (int i = 0; i < 200; i++)
        {
            byte[] data = Pattern(i * 29 % 1500, 1000 + i);
            calls.Add((data, client.CallAsync<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, data, ct).AsTask()));
        }
        foreach ((byte[] sent, Task<XdrOpaque> reply) in calls)
        {
            Assert.Equal(sent, (await reply).Value.ToArray());
        }
    }
}
