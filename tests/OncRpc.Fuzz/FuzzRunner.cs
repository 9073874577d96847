using System.Buffers;
using OncRpc.Xdr;

namespace OncRpc.Fuzz;

/// <summary>
/// The entry point for adding a fuzzer. In any file of this project:
/// <code>
/// [FuzzFact]
/// public void RecordMarking() => FuzzRunner.Run("record marking", (ref XdrReader r) => Decode(ref r), Encode, seeds);
/// </code>
/// The method's share of ONCRPC_FUZZ_SECONDS is automatic (<see cref="FuzzBudget"/>); pass a null
/// encoder when the decoder's result cannot be re-encoded (the other properties still hold).
/// </summary>
public static class FuzzRunner
{
    public static void Run<T>(string name, FuzzDecode<T> decode, FuzzEncode<T>? encode, IEnumerable<byte[]> seeds,
        XdrStringEncoding encoding = XdrStringEncoding.Utf8)
    {
        var fuzzer = new Fuzzer<T>(name, decode, encode, seeds) { StringEncoding = encoding };
        (int inputs, int accepted) = fuzzer.Run(FuzzBudget.PerFuzzer);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{name}: {inputs} inputs, {accepted} decoded, budget {FuzzBudget.PerFuzzer.TotalMilliseconds:F0} ms of {FuzzBudget.TotalSeconds} s over {FuzzBudget.FuzzerCount} fuzzers");
        Assert.True(inputs >= fuzzer.MinimumIterations);
    }

    /// <summary>Encodes a seed value the way the fuzzer will re-encode it.</summary>
    public static byte[] Seed<T>(T value, FuzzEncode<T> encode, XdrStringEncoding encoding = XdrStringEncoding.Utf8)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer, encoding);
        encode(ref writer, value);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
