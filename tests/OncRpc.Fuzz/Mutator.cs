using System.Buffers.Binary;

namespace OncRpc.Fuzz;

/// <summary>
/// Structure-blind mutations, biased toward what breaks XDR decoders: length words (RFC 4506
/// §4.10-§4.13 counts) replaced by hostile values, 4-byte alignment shifted by inserts and deletes,
/// and truncation.
/// </summary>
public static class Mutator
{
    private static readonly uint[] s_hostileWords =
        [0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFC, 0x7FFFFFFC, 0x10000, 0, 1, 2, 3, 4, 5];

    private static readonly byte[] s_interestingBytes = [0x00, 0x01, 0x02, 0x7F, 0x80, 0xFE, 0xFF, 0xC0, 0xED];

    /// <summary>Applies one to four mutations to a copy of <paramref name="input"/>.</summary>
    public static byte[] Mutate(Random random, byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(input);
        int rounds = 1 + random.Next(4);
        for (int i = 0; i < rounds; i++)
        {
            MutateOnce(random, data, corpus);
        }
        return [.. data];
    }

    private static void MutateOnce(Random random, List<byte> data, IReadOnlyList<byte[]> corpus)
    {
        switch (random.Next(10))
        {
            case 0 when data.Count > 0: // flip one bit
                data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when data.Count > 0: // an interesting byte
                data[random.Next(data.Count)] = s_interestingBytes[random.Next(s_interestingBytes.Length)];
                break;
            case 2: // insert 1-8 random bytes (breaks alignment)
            {
                var bytes = new byte[1 + random.Next(8)];
                random.NextBytes(bytes);
                data.InsertRange(random.Next(data.Count + 1), bytes);
                break;
            }
            case 3 when data.Count > 0: // delete 1-8 bytes
            {
                int at = random.Next(data.Count);
                data.RemoveRange(at, Math.Min(1 + random.Next(8), data.Count - at));
                break;
            }
            case 4 or 5 when data.Count >= 4: // splice a hostile or plausible length word at a 4-aligned offset
            {
                int at = random.Next(data.Count / 4) * 4;
                uint word = random.Next(3) switch
                {
                    0 => s_hostileWords[random.Next(s_hostileWords.Length)],
                    1 => (uint)(data.Count - at - 4 + random.Next(-4, 5)), // about what is left
                    _ => (uint)random.Next(64),
                };
                Span<byte> bytes = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(bytes, word);
                for (int k = 0; k < 4; k++)
                {
                    data[at + k] = bytes[k];
                }
                break;
            }
            case 6 when data.Count > 0: // truncate
            {
                int keep = random.Next(data.Count);
                data.RemoveRange(keep, data.Count - keep);
                break;
            }
            case 7 when data.Count > 0: // duplicate a chunk elsewhere
            {
                int from = random.Next(data.Count);
                int length = Math.Min(1 + random.Next(16), data.Count - from);
                data.InsertRange(random.Next(data.Count + 1), data.GetRange(from, length));
                break;
            }
            case 8 when corpus.Count > 0: // crossover: our prefix, another input's suffix
            {
                byte[] other = corpus[random.Next(corpus.Count)];
                int keep = random.Next(data.Count + 1);
                int from = other.Length == 0 ? 0 : random.Next(other.Length);
                data.RemoveRange(keep, data.Count - keep);
                data.AddRange(other.AsSpan(from).ToArray());
                break;
            }
            default: // append a word
            {
                Span<byte> bytes = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(bytes, s_hostileWords[random.Next(s_hostileWords.Length)]);
                data.AddRange(bytes.ToArray());
                break;
            }
        }
    }
}
