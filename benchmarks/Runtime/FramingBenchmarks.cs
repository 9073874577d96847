using System.Buffers;
using BenchmarkDotNet.Attributes;
using OncRpc.Transport;

namespace OncRpc.Benchmarks.Runtime;

/// <summary>
/// Record marking (RFC 5531 §11) on the stream path: writing a record, and reassembling records
/// from a buffered byte stream: a small single-fragment record (the zero-copy slice), 64 small
/// records arriving in one read, and a 1 MiB record as libtirpc sends it (16 fragments of 65532
/// bytes and a short last one), copied into the decoder's pooled buffer.
/// </summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
public class FramingBenchmarks
{
    private const int Batch = 64;
    private readonly ArrayBufferWriter<byte> _output = new(2 * 1024 * 1024);
    private byte[] _small = [];
    private byte[] _smallFramed = [];
    private byte[] _batchFramed = [];
    private byte[] _large = [];
    private byte[] _largeFramed = [];
    private RecordDecoder _decoder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _small = new byte[40]; // a NULL call: header with AUTH_NONE
        _smallFramed = Frame(_small, RecordMarking.DefaultMaxFragmentSize);
        var batch = new ArrayBufferWriter<byte>();
        for (int i = 0; i < Batch; i++)
        {
            RecordMarking.WriteRecord(batch, _small);
        }
        _batchFramed = batch.WrittenSpan.ToArray();
        _large = new byte[1024 * 1024 + 44];
        _largeFramed = Frame(_large, 65532);
        _decoder = new RecordDecoder();
    }

    [GlobalCleanup]
    public void Cleanup() => _decoder.Dispose();

    private static byte[] Frame(byte[] record, int fragment)
    {
        var writer = new ArrayBufferWriter<byte>();
        RecordMarking.WriteRecord(writer, record, fragment);
        return writer.WrittenSpan.ToArray();
    }

    [Benchmark]
    public int WriteRecordSmall()
    {
        _output.ResetWrittenCount();
        RecordMarking.WriteRecord(_output, _small);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int WriteRecord1MiBLibtirpcFragments()
    {
        _output.ResetWrittenCount();
        RecordMarking.WriteRecord(_output, _large, 65532);
        return _output.WrittenCount;
    }

    [Benchmark]
    public long DecodeSingleFragment()
    {
        var buffer = new ReadOnlySequence<byte>(_smallFramed);
        _decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record);
        return record.Length;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long DecodeBatchOf64()
    {
        var buffer = new ReadOnlySequence<byte>(_batchFramed);
        long total = 0;
        while (_decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record))
        {
            total += record.Length;
        }
        return total;
    }

    [Benchmark]
    public long DecodeMultiFragment1MiB()
    {
        var buffer = new ReadOnlySequence<byte>(_largeFramed);
        _decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record);
        return record.Length;
    }
}
