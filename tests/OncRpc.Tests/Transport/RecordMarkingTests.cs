using System.Buffers;
using OncRpc.Transport;
using OncRpc.Tests.Support;

namespace OncRpc.Tests.Transport;

public class RecordMarkingTests
{
    private static byte[] Fragment(byte[] data, bool last) =>
        XdrBytes.Concat(XdrBytes.Words((uint)data.Length | (last ? 0x8000_0000u : 0)), data);

    private static byte[] Bytes(int length, int seed = 1) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + seed)).ToArray();

    /// <summary>Feeds <paramref name="stream"/> to a decoder in the given chunks, the way a read
    /// loop does: unconsumed bytes stay in front of the next chunk.</summary>
    private static List<byte[]> Decode(byte[] stream, IEnumerable<int> chunkSizes, int maxRecordSize = RecordMarking.DefaultMaxRecordSize)
    {
        using var decoder = new RecordDecoder(maxRecordSize);
        var records = new List<byte[]>();
        var pending = new List<byte>();
        int offset = 0;
        foreach (int size in chunkSizes.Append(int.MaxValue))
        {
            int n = Math.Min(size, stream.Length - offset);
            pending.AddRange(stream.AsSpan(offset, n).ToArray());
            offset += n;
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            long before = buffer.Length;
            while (decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record))
            {
                records.Add(record.ToArray());
            }
            pending.RemoveRange(0, (int)(before - buffer.Length));
            if (offset == stream.Length)
            {
                break;
            }
        }
        Assert.Empty(pending);
        Assert.False(decoder.HasPartialRecord);
        return records;
    }

    [Fact]
    public void Header_round_trips_last_bit_and_length()
    {
        Span<byte> header = stackalloc byte[4];
        RecordMarking.WriteHeader(header, 0x7FFF_FFFF, last: true);
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF], header.ToArray());
        Assert.Equal(new RecordFragmentHeader(0x7FFF_FFFF, true), RecordMarking.ReadHeader(header));
        RecordMarking.WriteHeader(header, 5, last: false);
        Assert.Equal([0, 0, 0, 5], header.ToArray());
        Assert.Equal(new RecordFragmentHeader(5, false), RecordMarking.ReadHeader(header));
    }

    [Fact]
    public void Writer_fragments_at_the_configured_size()
    {
        var output = new ArrayBufferWriter<byte>();
        byte[] record = Bytes(10);
        RecordMarking.WriteRecord(output, record, maxFragmentSize: 3);
        byte[] expected = XdrBytes.Concat(Fragment(record[..3], false), Fragment(record[3..6], false), Fragment(record[6..9], false), Fragment(record[9..], true));
        Assert.Equal(expected, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Writer_sends_an_empty_record_as_one_empty_last_fragment()
    {
        var output = new ArrayBufferWriter<byte>();
        RecordMarking.WriteRecord(output, ReadOnlyMemory<byte>.Empty);
        Assert.Equal([0x80, 0, 0, 0], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Decoder_joins_fragments_including_empty_and_odd_length_ones()
    {
        byte[] a = Bytes(5), b = Bytes(0), c = Bytes(3, 9), d = Bytes(1, 4);
        byte[] stream = XdrBytes.Concat(Fragment(a, false), Fragment(b, false), Fragment(c, false), Fragment(d, true), Fragment(Bytes(7, 2), true));
        List<byte[]> records = Decode(stream, [stream.Length]);
        Assert.Equal(2, records.Count);
        Assert.Equal(XdrBytes.Concat(a, c, d), records[0]);
        Assert.Equal(Bytes(7, 2), records[1]);
    }

    [Fact]
    public void Decoder_handles_an_empty_record()
    {
        byte[] stream = XdrBytes.Concat(Fragment([], true), Fragment(Bytes(2), true));
        List<byte[]> records = Decode(stream, [stream.Length]);
        Assert.Equal(2, records.Count);
        Assert.Empty(records[0]);
    }

    [Fact]
    public void Decoder_reassembles_a_stream_split_at_every_byte_boundary()
    {
        byte[] multi = Bytes(13, 3);
        byte[] stream = XdrBytes.Concat(
            Fragment(Bytes(6), true),
            Fragment(multi[..5], false), Fragment([], false), Fragment(multi[5..], true),
            Fragment(Bytes(1, 8), true));
        for (int split = 0; split <= stream.Length; split++)
        {
            List<byte[]> records = Decode(stream, [split, stream.Length]);
            Assert.Equal(3, records.Count);
            Assert.Equal(Bytes(6), records[0]);
            Assert.Equal(multi, records[1]);
            Assert.Equal(Bytes(1, 8), records[2]);
        }
        List<byte[]> byteByByte = Decode(stream, Enumerable.Repeat(1, stream.Length));
        Assert.Equal(multi, byteByByte[1]);
    }

    [Fact]
    public void Decoder_refuses_a_header_claiming_two_gigabytes_without_allocating()
    {
        using var decoder = new RecordDecoder(maxRecordSize: 1024);
        var buffer = new ReadOnlySequence<byte>(XdrBytes.Words(0xFFFF_FFFF));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<RpcException>(() => decoder.TryDecode(ref buffer, out _));
        Assert.Equal(RpcStatus.MessageTooLarge, e.Status);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
    }

    [Fact]
    public void Decoder_caps_the_cumulative_size_across_fragments()
    {
        byte[] stream = XdrBytes.Concat(Fragment(Bytes(60), false), Fragment(Bytes(60), true));
        using var decoder = new RecordDecoder(maxRecordSize: 100);
        var buffer = new ReadOnlySequence<byte>(stream);
        var e = Assert.Throws<RpcException>(() =>
        {
            while (decoder.TryDecode(ref buffer, out _))
            {
            }
        });
        Assert.Equal(RpcStatus.MessageTooLarge, e.Status);
    }

    [Fact]
    public void Decoder_accepts_a_record_exactly_at_the_cap()
    {
        byte[] stream = XdrBytes.Concat(Fragment(Bytes(50), false), Fragment(Bytes(50), true));
        Assert.Single(Decode(stream, [7, 50, 100], maxRecordSize: 100));
    }

    [Fact]
    public void Large_single_fragment_record_is_copied_as_it_arrives()
    {
        byte[] big = Bytes(300 * 1024);
        byte[] stream = Fragment(big, true);
        List<byte[]> records = Decode(stream, Enumerable.Repeat(4096, stream.Length / 4096 + 1));
        Assert.Equal(big, Assert.Single(records));
    }
}
