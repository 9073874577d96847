using System.Buffers;
using System.Buffers.Binary;

namespace OncRpc.Transport;

/// <summary>
/// Record marking for stream transports (RFC 5531 §11): each record is sent as one or more
/// fragments, each preceded by a 4-byte header whose high bit marks the last fragment and whose
/// low 31 bits give the fragment's length (0 to 2^31-1, any value, not only multiples of 4).
/// </summary>
public static class RecordMarking
{
    /// <summary>The last-fragment bit of a fragment header.</summary>
    public const uint LastFragmentBit = 0x8000_0000;

    /// <summary>The largest fragment length a header can state.</summary>
    public const int MaxFragmentLength = int.MaxValue;

    /// <summary>Size of a fragment header.</summary>
    public const int HeaderSize = 4;

    /// <summary>Default cap on a whole record (all fragments together): 4 MiB plus headroom for the
    /// RPC header, enough for libtirpc's largest common payloads; configurable per transport.</summary>
    public const int DefaultMaxRecordSize = 4 * 1024 * 1024 + 64 * 1024;

    /// <summary>Default fragment size on send. libtirpc sends fragments of at most 65532 bytes;
    /// we default to 1 MiB so typical calls go out as one fragment with one write.</summary>
    public const int DefaultMaxFragmentSize = 1024 * 1024;

    /// <summary>Encodes a fragment header.</summary>
    public static void WriteHeader(Span<byte> destination, int length, bool last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)length | (last ? LastFragmentBit : 0));
    }

    /// <summary>Decodes a fragment header.</summary>
    public static RecordFragmentHeader ReadHeader(ReadOnlySpan<byte> source)
    {
        uint header = BinaryPrimitives.ReadUInt32BigEndian(source);
        return new((int)(header & ~LastFragmentBit), (header & LastFragmentBit) != 0);
    }

    /// <summary>Writes <paramref name="record"/> as fragments of at most
    /// <paramref name="maxFragmentSize"/> bytes, the last one flagged. An empty record is one empty
    /// last fragment.</summary>
    public static void WriteRecord(IBufferWriter<byte> output, ReadOnlySequence<byte> record, int maxFragmentSize = DefaultMaxFragmentSize)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFragmentSize, 1);
        long remaining = record.Length;
        do
        {
            int length = (int)Math.Min(remaining, maxFragmentSize);
            remaining -= length;
            WriteHeader(output.GetSpan(HeaderSize), length, last: remaining == 0);
            output.Advance(HeaderSize);
            foreach (ReadOnlyMemory<byte> segment in record.Slice(0, length))
            {
                output.Write(segment.Span);
            }
            record = record.Slice(length);
        }
        while (remaining > 0);
    }

    /// <summary>Writes a record held in one span.</summary>
    public static void WriteRecord(IBufferWriter<byte> output, ReadOnlyMemory<byte> record, int maxFragmentSize = DefaultMaxFragmentSize) =>
        WriteRecord(output, new ReadOnlySequence<byte>(record), maxFragmentSize);
}

/// <summary>A decoded record-marking fragment header (RFC 5531 §11).</summary>
/// <param name="Length">The fragment's length in bytes (0 to 2^31-1).</param>
/// <param name="Last">True for the last fragment of a record.</param>
public readonly record struct RecordFragmentHeader(int Length, bool Last);
