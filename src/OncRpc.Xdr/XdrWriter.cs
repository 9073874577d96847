using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OncRpc.Xdr;

/// <summary>
/// Encodes XDR (RFC 4506) into an <see cref="IBufferWriter{T}"/>. Writes go to a span taken from
/// the output and are committed in blocks: call <see cref="Flush"/> when done (the
/// <see cref="XdrSerializer"/> helpers do). Padding is always written as zero bytes.
/// </summary>
public ref partial struct XdrWriter
{
    private const int MinimumBlock = 256;
    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _buffered;
    private long _committed;

    /// <summary>Writes into <paramref name="output"/>.</summary>
    public XdrWriter(IBufferWriter<byte> output, XdrStringEncoding stringEncoding = XdrStringEncoding.Utf8)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        StringEncoding = stringEncoding;
        _span = default;
    }

    /// <summary>How strings are turned into bytes.</summary>
    public XdrStringEncoding StringEncoding { get; }

    /// <summary>Bytes written so far, committed or buffered.</summary>
    public readonly long BytesWritten => _committed + _buffered;

    /// <summary>Commits buffered bytes to the output. Required before the output is read.</summary>
    public void Flush()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _committed += _buffered;
            _buffered = 0;
        }
        _span = default;
    }

    /// <summary>Returns a span of at least <paramref name="size"/> writable bytes; commit what was
    /// used with <see cref="Advance"/>. For callers encoding their own data in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> GetSpan(int size)
    {
        if (_span.Length - _buffered < size)
        {
            Grow(size);
        }
        return _span[_buffered..];
    }

    /// <summary>Marks <paramref name="count"/> bytes of the last <see cref="GetSpan"/> as written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count) => _buffered += count;

    // Stores after the room check above them: _buffered + size <= _span.Length holds, so the
    // unchecked store stays inside the span (this is the hot path of every encoder).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void StoreBigEndian(int value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetReference(_span), _buffered),
            BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void StoreBigEndian(long value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetReference(_span), _buffered),
            BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int size)
    {
        Flush();
        _span = _output.GetSpan(Math.Max(size, MinimumBlock));
        if (_span.Length < size)
        {
            throw new InvalidOperationException($"the output returned {_span.Length} bytes for a request of {size}");
        }
    }

    /// <summary>Writes a signed 32-bit integer (RFC 4506 §4.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt32(int value)
    {
        if (_span.Length - _buffered < 4)
        {
            Grow(4);
        }
        StoreBigEndian(value);
        _buffered += 4;
    }

    /// <summary>Writes an unsigned 32-bit integer (RFC 4506 §4.2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt32(uint value) => WriteInt32((int)value);

    /// <summary>Writes a hyper integer (RFC 4506 §4.5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt64(long value)
    {
        if (_span.Length - _buffered < 8)
        {
            Grow(8);
        }
        StoreBigEndian(value);
        _buffered += 8;
    }

    /// <summary>Writes an unsigned hyper integer (RFC 4506 §4.5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUInt64(ulong value) => WriteInt64((long)value);

    /// <summary>Writes a single-precision float (RFC 4506 §4.6), bit for bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteSingle(float value) => WriteInt32(BitConverter.SingleToInt32Bits(value));

    /// <summary>Writes a double-precision float (RFC 4506 §4.7), bit for bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDouble(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    /// <summary>Writes a quadruple-precision float (RFC 4506 §4.8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteQuadruple(XdrQuadruple value)
    {
        if (_span.Length - _buffered < 16)
        {
            Grow(16);
        }
        StoreBigEndian((long)value.High);
        _buffered += 8;
        StoreBigEndian((long)value.Low);
        _buffered += 8;
    }

    /// <summary>Writes a boolean (RFC 4506 §4.4) as 0 or 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBool(bool value) => WriteInt32(value ? 1 : 0);

    /// <summary>Writes an enum's value (RFC 4506 §4.3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteEnum(int value) => WriteInt32(value);

    /// <summary>Writes the optional-data flag (RFC 4506 §4.19).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteOptionalFlag(bool present) => WriteBool(present);
}
