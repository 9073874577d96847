using System.Buffers;
using BenchmarkDotNet.Attributes;
using OncRpc.Xdr;

namespace OncRpc.Benchmarks.Xdr;

/// <summary>
/// Each primitive encoded and decoded 256 times per invocation (OperationsPerInvoke), so the
/// figures are per value, not per benchmark call overhead. Encoding goes into a reused buffer.
/// </summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
public class PrimitiveBenchmarks
{
    private const int N = 256;
    private readonly ArrayBufferWriter<byte> _buffer = new(N * 16 + 64);
    private readonly byte[] _words = new byte[N * 16];

    [GlobalSetup]
    public void Setup()
    {
        // Zeros decode as every type (bool 0, opaque length 0, string ""), ones would not.
        Array.Clear(_words);
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long EncodeInt()
    {
        _buffer.ResetWrittenCount();
        var w = new XdrWriter(_buffer);
        for (int i = 0; i < N; i++)
        {
            w.WriteInt32(i);
        }
        w.Flush();
        return w.BytesWritten;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long EncodeHyper()
    {
        _buffer.ResetWrittenCount();
        var w = new XdrWriter(_buffer);
        for (int i = 0; i < N; i++)
        {
            w.WriteInt64(i);
        }
        w.Flush();
        return w.BytesWritten;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long EncodeFloat()
    {
        _buffer.ResetWrittenCount();
        var w = new XdrWriter(_buffer);
        for (int i = 0; i < N; i++)
        {
            w.WriteSingle(i);
        }
        w.Flush();
        return w.BytesWritten;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long EncodeDouble()
    {
        _buffer.ResetWrittenCount();
        var w = new XdrWriter(_buffer);
        for (int i = 0; i < N; i++)
        {
            w.WriteDouble(i);
        }
        w.Flush();
        return w.BytesWritten;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long EncodeQuadruple()
    {
        _buffer.ResetWrittenCount();
        var w = new XdrWriter(_buffer);
        var q = new XdrQuadruple(1, 2);
        for (int i = 0; i < N; i++)
        {
            w.WriteQuadruple(q);
        }
        w.Flush();
        return w.BytesWritten;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long EncodeBool()
    {
        _buffer.ResetWrittenCount();
        var w = new XdrWriter(_buffer);
        for (int i = 0; i < N; i++)
        {
            w.WriteBool((i & 1) == 0);
        }
        w.Flush();
        return w.BytesWritten;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long EncodeString8()
    {
        _buffer.ResetWrittenCount();
        var w = new XdrWriter(_buffer);
        for (int i = 0; i < N; i++)
        {
            w.WriteString("node-123", 32);
        }
        w.Flush();
        return w.BytesWritten;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int DecodeInt()
    {
        var r = new XdrReader(_words);
        int sum = 0;
        for (int i = 0; i < N; i++)
        {
            sum += r.ReadInt32();
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public long DecodeHyper()
    {
        var r = new XdrReader(_words);
        long sum = 0;
        for (int i = 0; i < N; i++)
        {
            sum += r.ReadInt64();
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public float DecodeFloat()
    {
        var r = new XdrReader(_words);
        float sum = 0;
        for (int i = 0; i < N; i++)
        {
            sum += r.ReadSingle();
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public double DecodeDouble()
    {
        var r = new XdrReader(_words);
        double sum = 0;
        for (int i = 0; i < N; i++)
        {
            sum += r.ReadDouble();
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public ulong DecodeQuadruple()
    {
        var r = new XdrReader(_words);
        ulong sum = 0;
        for (int i = 0; i < N; i++)
        {
            sum += r.ReadQuadruple().Low;
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int DecodeBool()
    {
        var r = new XdrReader(_words);
        int count = 0;
        for (int i = 0; i < N; i++)
        {
            count += r.ReadBool() ? 1 : 0;
        }
        return count;
    }

    [Benchmark(OperationsPerInvoke = N)]
    public int DecodeEmptyString()
    {
        var r = new XdrReader(_words);
        int length = 0;
        for (int i = 0; i < N; i++)
        {
            length += r.ReadString(32).Length;
        }
        return length;
    }
}
