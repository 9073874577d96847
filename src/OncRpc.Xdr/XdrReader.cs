using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OncRpc.Xdr;

/// <summary>
/// Decodes XDR (RFC 4506) from a span, or from a <see cref="ReadOnlySequence{T}"/> without
/// copying it first (a record that arrived in several fragments or socket reads). Never awaits.
/// Every length is checked against the declared maximum and the bytes left before anything is
/// allocated, so a hostile length can never cost more memory than the input itself.
/// </summary>
public ref partial struct XdrReader
{
    private ReadOnlySpan<byte> _current;   // the segment being read
    private int _index;                    // position inside _current
    private long _segmentStart;            // absolute offset of _current[0]
    private readonly long _length;         // total input length
    private ReadOnlySequence<byte> _sequence;
    private SequencePosition _nextSegment;
    private readonly bool _multiSegment;

    /// <summary>Reads from a contiguous buffer.</summary>
    public XdrReader(ReadOnlySpan<byte> buffer, XdrReaderOptions options = default)
    {
        _current = buffer;
        _length = buffer.Length;
        Options = options;
    }

    /// <summary>Reads from a possibly multi-segment buffer; primitives split across segments are
    /// assembled on the stack, long opaque data is copied once into its destination.</summary>
    public XdrReader(ReadOnlySequence<byte> buffer, XdrReaderOptions options = default)
    {
        Options = options;
        _length = buffer.Length;
        if (buffer.IsSingleSegment)
        {
            _current = buffer.FirstSpan;
            return;
        }
        _multiSegment = true;
        _sequence = buffer;
        _nextSegment = buffer.Start;
        _current = default;
        _segmentStart = 0;
        AdvanceSegment();
    }

    /// <summary>The decoding choices in force.</summary>
    public XdrReaderOptions Options { get; }

    /// <summary>Bytes consumed so far.</summary>
    public readonly long Position => _segmentStart + _index;

    /// <summary>Bytes not yet consumed.</summary>
    public readonly long Remaining => _length - Position;

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool End => Position == _length;

    /// <summary>Throws unless every byte has been consumed: trailing bytes usually mean the
    /// sender and receiver disagree on the type.</summary>
    public readonly void EnsureEnd()
    {
        if (!End)
        {
            throw new XdrException(Position, $"{Remaining} unexpected trailing bytes");
        }
    }

    private void AdvanceSegment()
    {
        // Skips empty segments; leaves _current empty at the end of the input.
        _segmentStart += _current.Length;
        _current = default;
        _index = 0;
        while (_sequence.TryGet(ref _nextSegment, out ReadOnlyMemory<byte> memory, advance: true))
        {
            if (memory.Length > 0)
            {
                _current = memory.Span;
                return;
            }
        }
    }

    /// <summary>Fills <paramref name="destination"/> (a primitive split across segments, or
    /// short input) or throws; the slow path of the fixed-size reads.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReadSlow(scoped Span<byte> destination)
    {
        if (Remaining < destination.Length)
        {
            throw Short(destination.Length);
        }
        CopyTo(destination);
    }

    /// <summary>Copies exactly destination.Length bytes, crossing segments as needed.</summary>
    private void CopyTo(scoped Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            if (_index == _current.Length)
            {
                if (!_multiSegment)
                {
                    throw Short(destination.Length);
                }
                AdvanceSegment();
                if (_current.IsEmpty)
                {
                    throw Short(destination.Length);
                }
            }
            int n = Math.Min(destination.Length, _current.Length - _index);
            _current.Slice(_index, n).CopyTo(destination);
            _index += n;
            destination = destination[n..];
        }
    }

    private void Skip(long count)
    {
        while (count > 0)
        {
            if (_index == _current.Length)
            {
                AdvanceSegment();
                if (_current.IsEmpty)
                {
                    throw Short(count);
                }
            }
            int n = (int)Math.Min(count, _current.Length - _index);
            _index += n;
            count -= n;
        }
    }

    private readonly XdrException Short(long needed) =>
        new(Position, $"expected {needed} more bytes, {Remaining} left");

    /// <summary>Consumes the 0-3 padding bytes after <paramref name="dataLength"/> bytes of
    /// opaque data or string; strict mode requires them to be zero (RFC 4506 §4.9).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReadPadding(int dataLength)
    {
        int pad = (4 - (dataLength & 3)) & 3;
        if (pad == 0)
        {
            return;
        }
        if (pad <= _current.Length - _index)
        {
            // Common case: the padding is in this segment; check it in place.
            if (Options.StrictPadding && _current.Slice(_index, pad).ContainsAnyExcept((byte)0))
            {
                throw new XdrException(Position, "non-zero padding byte (strict padding)");
            }
            _index += pad;
            return;
        }
        ReadPaddingSlow(pad);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ReadPaddingSlow(int pad)
    {
        Span<byte> bytes = stackalloc byte[4];
        bytes = bytes[..pad];
        long at = Position;
        ReadSlow(bytes);
        if (Options.StrictPadding && bytes.ContainsAnyExcept((byte)0))
        {
            throw new XdrException(at, "non-zero padding byte (strict padding)");
        }
    }

    /// <summary>Reads a signed 32-bit integer (RFC 4506 §4.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadInt32()
    {
        int index = _index;
        if ((uint)(index + 4) <= (uint)_current.Length)
        {
            _index = index + 4;
            // In range by the check above; skips the slice's and the reader's second checks.
            int raw = Unsafe.ReadUnaligned<int>(ref Unsafe.Add(ref MemoryMarshal.GetReference(_current), index));
            return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(raw) : raw;
        }
        return ReadInt32Slow();
    }

    // Out of line: a method containing stackalloc is never inlined, which would cost every
    // ReadInt32 a call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReadInt32Slow()
    {
        Span<byte> bytes = stackalloc byte[4];
        ReadSlow(bytes);
        return BinaryPrimitives.ReadInt32BigEndian(bytes);
    }

    /// <summary>Reads an unsigned 32-bit integer (RFC 4506 §4.2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadUInt32() => (uint)ReadInt32();

    /// <summary>Reads a hyper integer (RFC 4506 §4.5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long ReadInt64()
    {
        int index = _index;
        if ((uint)(index + 8) <= (uint)_current.Length)
        {
            _index = index + 8;
            long raw = Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref MemoryMarshal.GetReference(_current), index));
            return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(raw) : raw;
        }
        return ReadInt64Slow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long ReadInt64Slow()
    {
        Span<byte> bytes = stackalloc byte[8];
        ReadSlow(bytes);
        return BinaryPrimitives.ReadInt64BigEndian(bytes);
    }

    /// <summary>Reads an unsigned hyper integer (RFC 4506 §4.5).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadUInt64() => (ulong)ReadInt64();

    /// <summary>Reads a single-precision float (RFC 4506 §4.6); NaN payloads are kept bit for bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ReadSingle() => BitConverter.Int32BitsToSingle(ReadInt32());

    /// <summary>Reads a double-precision float (RFC 4506 §4.7); NaN payloads are kept bit for bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double ReadDouble() => BitConverter.Int64BitsToDouble(ReadInt64());

    /// <summary>Reads a quadruple-precision float (RFC 4506 §4.8) as its 16 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public XdrQuadruple ReadQuadruple()
    {
        ulong high = ReadUInt64();
        ulong low = ReadUInt64();
        return new XdrQuadruple(high, low);
    }

    /// <summary>Reads a boolean (RFC 4506 §4.4): only 0 or 1 are accepted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadBool()
    {
        int value = ReadInt32();
        if ((uint)value > 1)
        {
            ThrowBadBool(value);
        }
        return value != 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowBadBool(int value) =>
        throw new XdrException(Position - 4, $"bool must be 0 or 1, got {value}");

    /// <summary>Reads an enum's raw value (RFC 4506 §4.3). The caller (generated code) checks
    /// that it is a declared value, see <see cref="XdrGeneratedCode.UndeclaredEnum"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadEnum() => ReadInt32();

    /// <summary>Reads the optional-data flag (RFC 4506 §4.19): true when a value follows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ReadOptionalFlag() => ReadBool();
}
