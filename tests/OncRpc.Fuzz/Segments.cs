using System.Buffers;

namespace OncRpc.Fuzz;

/// <summary>Builds multi-segment sequences (empty segments included) from cut offsets.</summary>
public static class Segments
{
    public static ReadOnlySequence<byte> Split(byte[] data, IEnumerable<int> cuts)
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        int start = 0;
        foreach (int cut in cuts.Select(c => Math.Clamp(c, 0, data.Length)).Order())
        {
            parts.Add(data.AsMemory(start, cut - start));
            start = cut;
        }
        parts.Add(data.AsMemory(start));
        var first = new Segment(parts[0], 0);
        Segment last = first;
        foreach (ReadOnlyMemory<byte> part in parts.Skip(1))
        {
            last = last.Append(part);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
