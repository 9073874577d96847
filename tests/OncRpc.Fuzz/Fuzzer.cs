using System.Buffers;
using System.Diagnostics;
using OncRpc.Xdr;

namespace OncRpc.Fuzz;

/// <summary>Decodes one value (or a message prefix) from the reader.</summary>
public delegate T FuzzDecode<T>(ref XdrReader reader);

/// <summary>Re-encodes a decoded value; must produce the bytes the decoder consumed.</summary>
public delegate void FuzzEncode<T>(ref XdrWriter writer, T value);

/// <summary>
/// A seeded mutation fuzzer for one decoder. For every input it checks:
/// <list type="number">
/// <item>only <see cref="XdrException"/> escapes the decoder;</item>
/// <item>allocation while decoding stays under <see cref="AllocationPerByte"/> × input length +
/// <see cref="AllocationConstant"/> (a hostile length cannot buy memory the input does not hold);</item>
/// <item>a multi-segment copy of the input decodes to the same outcome (same bytes consumed, or
/// an exception at the same offset);</item>
/// <item>accepted input re-encodes to the consumed bytes: identically under
/// <see cref="XdrReaderOptions.StrictPadding"/>, and under the lenient default identically except
/// where the input had non-zero padding (re-encoded as zero).</item>
/// </list>
/// Inputs are generated deterministically from <see cref="FuzzBudget.BaseSeed"/>, the fuzzer's name
/// and the iteration number; a failure reports all three and the input's hex.
/// </summary>
public sealed class Fuzzer<T>
{
    private const int MaxCorpus = 512;
    private readonly FuzzDecode<T> _decode;
    private readonly FuzzEncode<T>? _encode;
    private readonly List<byte[]> _seeds;

    public Fuzzer(string name, FuzzDecode<T> decode, FuzzEncode<T>? encode, IEnumerable<byte[]> seeds)
    {
        Name = name;
        _decode = decode;
        _encode = encode;
        _seeds = [.. seeds];
        if (_seeds.Count == 0)
        {
            throw new ArgumentException("at least one seed input is needed", nameof(seeds));
        }
    }

    public string Name { get; }

    /// <summary>String encoding for both decoding and re-encoding.</summary>
    public XdrStringEncoding StringEncoding { get; init; } = XdrStringEncoding.Utf8;

    public long AllocationPerByte { get; init; } = 16;

    public long AllocationConstant { get; init; } = 16 * 1024;

    /// <summary>Inputs run even when the time budget is spent (seeds first).</summary>
    public int MinimumIterations { get; init; } = 200;

    /// <summary>Runs for <paramref name="budget"/>; throws <see cref="FuzzFailure"/> on the first
    /// property violation. Returns the number of inputs tried and how many decoded.</summary>
    public (int Inputs, int Accepted) Run(TimeSpan budget, ulong? baseSeed = null)
    {
        ulong seed = Mix(baseSeed ?? FuzzBudget.BaseSeed, StableHash(Name));
        var corpus = new List<byte[]>(_seeds);
        var clock = Stopwatch.StartNew();
        int accepted = 0;
        int iteration = 0;
        foreach (byte[] input in _seeds)
        {
            Check(input, null); // warm-up: JIT and static initialisers allocate once, outside the bound
        }
        for (; iteration < MinimumIterations || clock.Elapsed < budget; iteration++)
        {
            var random = new Random((int)Mix(seed, (ulong)iteration));
            byte[] input = iteration < _seeds.Count
                ? _seeds[iteration]
                : Mutator.Mutate(random, corpus[random.Next(corpus.Count)], corpus);
            bool ok;
            try
            {
                ok = Check(input, random);
            }
            catch (Exception e)
            {
                throw new FuzzFailure(Name, baseSeed ?? FuzzBudget.BaseSeed, iteration, input, e);
            }
            if (ok)
            {
                accepted++;
                if (corpus.Count < MaxCorpus)
                {
                    corpus.Add(input);
                }
                else
                {
                    corpus[_seeds.Count + random.Next(MaxCorpus - _seeds.Count)] = input;
                }
            }
        }
        return (iteration, accepted);
    }

    /// <summary>Checks every property on one input; true when it decoded. Throws on a violation.
    /// <paramref name="random"/> picks the segment split (null: a fixed split).</summary>
    public bool Check(byte[] input, Random? random)
    {
        Outcome lenient = DecodeMeasured(input, XdrReaderOptions.Default);
        if (lenient.Allocated > AllocationPerByte * input.Length + AllocationConstant)
        {
            // One-off costs (a first exception stack trace, tiering) are not the decoder's: retry once.
            Outcome again = DecodeMeasured(input, XdrReaderOptions.Default);
            if (again.Allocated > AllocationPerByte * input.Length + AllocationConstant)
            {
                throw new InvalidOperationException($"decoding {input.Length} bytes allocated {again.Allocated} bytes");
            }
        }

        Outcome segmented = Decode(Split(input, random), XdrReaderOptions.Default);
        if (lenient.Consumed != segmented.Consumed || lenient.ErrorOffset != segmented.ErrorOffset)
        {
            throw new InvalidOperationException(
                $"span and sequence disagree: consumed {lenient.Consumed}/{segmented.Consumed}, error at {lenient.ErrorOffset}/{segmented.ErrorOffset}");
        }
        if (lenient.Consumed < 0)
        {
            return false;
        }
        if (_encode is null)
        {
            return true;
        }

        byte[] consumed = input[..(int)lenient.Consumed];
        byte[] reencoded = Encode(lenient.Value!);
        if (reencoded.Length != consumed.Length)
        {
            throw new InvalidOperationException($"re-encoding gave {reencoded.Length} bytes for {consumed.Length} consumed");
        }
        for (int i = 0; i < consumed.Length; i++)
        {
            // Lenient: only padding may differ, and the writer's padding is zero.
            if (reencoded[i] != consumed[i] && reencoded[i] != 0)
            {
                throw new InvalidOperationException($"re-encoding differs at {i}: {reencoded[i]:x2} for {consumed[i]:x2}");
            }
        }

        Outcome strict = Decode(new ReadOnlySequence<byte>(input), XdrReaderOptions.Strict);
        bool canonical = reencoded.AsSpan().SequenceEqual(consumed);
        if (strict.Consumed >= 0 != canonical)
        {
            throw new InvalidOperationException(canonical
                ? $"strict decoding refused canonical bytes: {strict.Error}"
                : "strict decoding accepted bytes that re-encode differently (non-zero padding)");
        }
        if (!canonical && strict.Error?.Contains("padding", StringComparison.Ordinal) != true)
        {
            throw new InvalidOperationException($"strict decoding failed for a reason other than padding: {strict.Error}");
        }
        return true;
    }

    private byte[] Encode(T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer, StringEncoding);
        _encode!(ref writer, value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private readonly record struct Outcome(T? Value, long Consumed, long ErrorOffset, string? Error, long Allocated);

    private Outcome DecodeMeasured(byte[] input, XdrReaderOptions options)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var reader = new XdrReader(input, options with { StringEncoding = StringEncoding });
        T? value = default;
        long consumed = -1, errorOffset = -1;
        string? error = null;
        try
        {
            value = _decode(ref reader);
            consumed = reader.Position;
        }
        catch (XdrException e)
        {
            errorOffset = e.Offset;
            error = e.Expectation;
        }
        return new Outcome(value, consumed, errorOffset, error, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private Outcome Decode(ReadOnlySequence<byte> input, XdrReaderOptions options)
    {
        var reader = new XdrReader(input, options with { StringEncoding = StringEncoding });
        try
        {
            T value = _decode(ref reader);
            return new Outcome(value, reader.Position, -1, null, 0);
        }
        catch (XdrException e)
        {
            return new Outcome(default, -1, e.Offset, e.Expectation, 0);
        }
    }

    private static ReadOnlySequence<byte> Split(byte[] input, Random? random)
    {
        int cuts = random is null ? 3 : 1 + random.Next(4);
        var offsets = new List<int>();
        for (int i = 0; i < cuts; i++)
        {
            offsets.Add(random is null ? input.Length * (i + 1) / (cuts + 1) : random.Next(input.Length + 1));
        }
        return Segments.Split(input, offsets);
    }

    /// <summary>FNV-1a: string.GetHashCode is randomised per process, which would break replay.</summary>
    private static ulong StableHash(string text)
    {
        ulong hash = 0xcbf29ce484222325UL;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 0x100000001b3UL;
        }
        return hash;
    }

    /// <summary>SplitMix64 finaliser over the pair.</summary>
    private static ulong Mix(ulong a, ulong b)
    {
        ulong z = a + 0x9e3779b97f4a7c15UL * (b + 1);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }
}

/// <summary>A property violation, with what is needed to reproduce it.</summary>
public sealed class FuzzFailure(string fuzzer, ulong seed, int iteration, byte[] input, Exception inner)
    : Exception($"fuzzer '{fuzzer}' failed at iteration {iteration} with ONCRPC_FUZZ_SEED={seed}: {inner.GetType().Name}: {inner.Message}\n"
        + $"input ({input.Length} bytes): {Convert.ToHexStringLower(input.AsSpan(0, Math.Min(input.Length, 4096)))}", inner);
