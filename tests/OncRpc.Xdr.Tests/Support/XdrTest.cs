using System.Buffers;

namespace OncRpc.Xdr.Tests.Support;

public delegate void WriteAction(ref XdrWriter writer);

public delegate T ReadFunc<T>(ref XdrReader reader);

/// <summary>Small helpers: encode through a delegate, decode a whole buffer, build multi-segment input.</summary>
public static class XdrTest
{
    public static byte[] Encode(WriteAction write, XdrStringEncoding encoding = XdrStringEncoding.Utf8)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer, encoding);
        write(ref writer);
        writer.Flush();
        Assert.Equal(buffer.WrittenCount, writer.BytesWritten);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes from a span and requires every byte to be consumed.</summary>
    public static T Decode<T>(byte[] data, ReadFunc<T> read, XdrReaderOptions options = default)
    {
        var reader = new XdrReader(data, options);
        T value = read(ref reader);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>Decodes from a sequence and requires every byte to be consumed.</summary>
    public static T Decode<T>(ReadOnlySequence<byte> data, ReadFunc<T> read, XdrReaderOptions options = default)
    {
        var reader = new XdrReader(data, options);
        T value = read(ref reader);
        reader.EnsureEnd();
        return value;
    }

    /// <summary>Splits <paramref name="data"/> into segments at the given offsets (duplicates give
    /// empty segments, which real pipes produce too).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var segments = new List<ReadOnlyMemory<byte>>();
        int start = 0;
        foreach (int cut in cuts.Select(c => Math.Clamp(c, 0, data.Length)).Order())
        {
            segments.Add(data.AsMemory(start, cut - start));
            start = cut;
        }
        segments.Add(data.AsMemory(start));
        return Segment.Chain(segments);
    }

    /// <summary>Every byte in its own segment: every multi-byte read straddles a boundary.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data) =>
        Segment.Chain(Enumerable.Range(0, data.Length).Select(i => (ReadOnlyMemory<byte>)data.AsMemory(i, 1)).ToList());

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        private Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Chain(IReadOnlyList<ReadOnlyMemory<byte>> parts)
        {
            if (parts.Count == 0)
            {
                return ReadOnlySequence<byte>.Empty;
            }
            var first = new Segment(parts[0], 0);
            Segment last = first;
            for (int i = 1; i < parts.Count; i++)
            {
                var next = new Segment(parts[i], last.RunningIndex + last.Memory.Length);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}
