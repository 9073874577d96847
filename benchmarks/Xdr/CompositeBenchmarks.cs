using System.Buffers;
using BenchmarkDotNet.Attributes;
using OncRpc.Xdr;

namespace OncRpc.Benchmarks.Xdr;

/// <summary>The composite record (564 bytes): compare with benchmarks/c/xdr/run.sh (libtirpc xdrmem).</summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
public class CompositeBenchmarks
{
    private readonly BenchRecord _value = BenchRecord.Sample();
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private byte[] _encoded = [];

    [GlobalSetup]
    public void Setup()
    {
        _encoded = XdrSerializer.ToArray(_value);
        if (_encoded.Length != 564)
        {
            throw new InvalidOperationException($"composite is {_encoded.Length} bytes, the C harness encodes 564");
        }
    }

    /// <summary>Into a reused buffer: must allocate nothing.</summary>
    [Benchmark]
    public int Encode()
    {
        _buffer.ResetWrittenCount();
        var writer = new XdrWriter(_buffer);
        _value.WriteTo(ref writer);
        writer.Flush();
        return _buffer.WrittenCount;
    }

    [Benchmark]
    public BenchRecord Decode()
    {
        var reader = new XdrReader(_encoded);
        return BenchRecord.ReadFrom(ref reader);
    }
}
