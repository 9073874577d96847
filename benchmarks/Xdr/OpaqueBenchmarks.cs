using System.Buffers;
using BenchmarkDotNet.Attributes;
using OncRpc.Xdr;

namespace OncRpc.Benchmarks.Xdr;

/// <summary>64 KiB variable-length opaque (RFC 4506 §4.10): GB/s = 65 540 bytes / ns per op.</summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
public class OpaqueBenchmarks
{
    private const int Size = 64 * 1024;
    private readonly byte[] _data = new byte[Size];
    private readonly byte[] _destination = new byte[Size];
    private readonly ArrayBufferWriter<byte> _buffer = new(Size + 64);
    private byte[] _encoded = [];

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_data);
        var writer = new XdrWriter(_buffer);
        writer.WriteOpaque(_data);
        writer.Flush();
        _encoded = _buffer.WrittenSpan.ToArray();
    }

    [Benchmark]
    public int Encode64K()
    {
        _buffer.ResetWrittenCount();
        var writer = new XdrWriter(_buffer);
        writer.WriteOpaque(_data);
        writer.Flush();
        return _buffer.WrittenCount;
    }

    /// <summary>Decode into a new array (what generated code does for opaque&lt;&gt;).</summary>
    [Benchmark]
    public byte[] Decode64K()
    {
        var reader = new XdrReader(_encoded);
        return reader.ReadOpaque();
    }

    /// <summary>Decode without allocating: zero-copy span.</summary>
    [Benchmark]
    public int Decode64KSpan()
    {
        var reader = new XdrReader(_encoded);
        return reader.ReadOpaqueSpan(uint.MaxValue, _destination).Length;
    }
}
