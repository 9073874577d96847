using System.Buffers;
using OncRpc.Transport;

namespace OncRpc.Fuzz;

/// <summary>
/// The record-marking decoder (RFC 5531 §11) on mutated byte streams fed in random pieces. It is
/// not an XDR decoder, so it has its own loop, with the same budget and seeding. Properties: only
/// <see cref="RpcException"/> with <see cref="RpcStatus.MessageTooLarge"/> escapes; the records
/// decoded (and where it fails) do not depend on how the stream is split across reads; memory
/// stays under the record cap however large the fragment headers claim to be.
/// </summary>
public sealed class RecordMarkingFuzzTests
{
    private const int Cap = 64 * 1024;

    [FuzzFact]
    public void RecordDecoder()
    {
        var random = new Random(unchecked((int)FuzzBudget.BaseSeed));
        byte[][] corpus = [Stream(random, 3, 1), Stream(random, 2, 5), Stream(random, 1, 17), [0x80, 0, 0, 0], [0x7f, 0xff, 0xff, 0xff, 1]];
        var deadline = DateTime.UtcNow + FuzzBudget.PerFuzzer;
        int inputs = 0;
        while (inputs < 200 || DateTime.UtcNow < deadline)
        {
            byte[] input = Mutator.Mutate(random, corpus[random.Next(corpus.Length)], corpus);
            (List<byte[]> whole, string? wholeError) = Decode(input, [input.Length]);
            int[] pieces = RandomSplit(random, input.Length);
            long before = GC.GetAllocatedBytesForCurrentThread();
            (List<byte[]> split, string? splitError) = Decode(input, pieces);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            string context = $"input {Convert.ToHexString(input)} split {string.Join(',', pieces)}";
            Assert.True(whole.Count == split.Count, context);
            for (int i = 0; i < whole.Count; i++)
            {
                Assert.True(whole[i].AsSpan().SequenceEqual(split[i]), context);
            }
            Assert.True(wholeError == splitError, context);
            // Records are copied out by the test itself; the decoder's own buffers come from the pool.
            Assert.True(allocated <= 4L * (input.Length + Cap) + 64 * 1024, $"{allocated} bytes allocated; {context}");
            inputs++;
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"record marking: {inputs} inputs");
    }

    /// <summary>Decodes <paramref name="input"/> delivered in <paramref name="pieces"/>, as a read
    /// loop does: unconsumed bytes stay buffered and more arrive.</summary>
    private static (List<byte[]> Records, string? Error) Decode(byte[] input, int[] pieces)
    {
        var records = new List<byte[]>();
        using var decoder = new RecordDecoder(Cap);
        byte[] pending = [];
        int offset = 0;
        try
        {
            foreach (int length in pieces)
            {
                pending = [.. pending, .. input.AsSpan(offset, length)];
                offset += length;
                var buffer = new ReadOnlySequence<byte>(pending);
                while (decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record))
                {
                    records.Add(record.ToArray());
                }
                pending = buffer.ToArray();
            }
            return (records, null);
        }
        catch (RpcException e) when (e.Status == RpcStatus.MessageTooLarge)
        {
            return (records, "too large");
        }
    }

    private static int[] RandomSplit(Random random, int length)
    {
        var pieces = new List<int>();
        while (length > 0)
        {
            int n = Math.Min(length, random.Next(1, 9));
            pieces.Add(n);
            length -= n;
        }
        return [.. pieces];
    }

    /// <summary>A stream of <paramref name="records"/> records, each in <paramref name="fragments"/> fragments.</summary>
    private static byte[] Stream(Random random, int records, int fragments)
    {
        var output = new ArrayBufferWriter<byte>();
        for (int r = 0; r < records; r++)
        {
            byte[] record = new byte[random.Next(0, 200)];
            random.NextBytes(record);
            RecordMarking.WriteRecord(output, record, Math.Max(1, record.Length / fragments));
        }
        return output.WrittenSpan.ToArray();
    }
}
