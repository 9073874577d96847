using System.Buffers;
using System.Text;

namespace OncRpc.Xdr;

public ref partial struct XdrReader
{
    private static readonly Encoding s_utf8Strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
    private static readonly Encoding s_utf8Lenient = new UTF8Encoding(false, throwOnInvalidBytes: false);
    private static readonly Encoding s_asciiStrict =
        Encoding.GetEncoding("us-ascii", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    /// <summary>Reads a variable-length count (opaque, string or array length) and checks it
    /// against <paramref name="maxLength"/> and against the bytes left, assuming each counted
    /// item takes at least <paramref name="minItemSize"/> bytes (clamped to 1), before the caller
    /// allocates anything.</summary>
    public int ReadLength(uint maxLength, int minItemSize = 1)
    {
        long at = Position;
        uint length = ReadUInt32();
        if (length > maxLength)
        {
            throw new XdrException(at, $"length {length} exceeds the declared maximum {maxLength}");
        }
        long needed = (long)length * Math.Max(1, minItemSize);
        if (needed > Remaining)
        {
            throw new XdrException(at, $"length {length} needs at least {needed} bytes, {Remaining} left");
        }
        // Remaining fits the input, which is at most int.MaxValue for a span; a sequence longer
        // than 2 GiB with a count over int.MaxValue cannot pass the check above with minItemSize >= 1
        // unless the sequence holds that many bytes, which no record cap allows.
        if (length > int.MaxValue)
        {
            throw new XdrException(at, $"length {length} is too large");
        }
        return (int)length;
    }

    /// <summary>Reads fixed-length opaque data (RFC 4506 §4.9) into <paramref name="destination"/>.</summary>
    public void ReadFixedOpaque(scoped Span<byte> destination)
    {
        CopyTo(destination);
        ReadPadding(destination.Length);
    }

    /// <summary>Reads fixed-length opaque data (RFC 4506 §4.9) of <paramref name="length"/> bytes.</summary>
    public byte[] ReadFixedOpaque(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > Remaining)
        {
            throw Short(length);
        }
        byte[] result = length == 0 ? [] : GC.AllocateUninitializedArray<byte>(length);
        ReadFixedOpaque(result);
        return result;
    }

    /// <summary>Reads variable-length opaque data (RFC 4506 §4.10) of at most
    /// <paramref name="maxLength"/> bytes; use <see cref="uint.MaxValue"/> for <c>opaque&lt;&gt;</c>.</summary>
    public byte[] ReadOpaque(uint maxLength = uint.MaxValue)
    {
        int length = ReadLength(maxLength);
        return ReadFixedOpaque(length);
    }

    /// <summary>Reads variable-length opaque data without copying when it lies in one segment:
    /// the span is valid as long as the input buffer is. Copies into <paramref name="scratch"/>
    /// (which must be large enough, else <see cref="ArgumentException"/>) when it straddles segments.</summary>
    public ReadOnlySpan<byte> ReadOpaqueSpan(uint maxLength, Span<byte> scratch)
    {
        int length = ReadLength(maxLength);
        ReadOnlySpan<byte> data;
        if (length <= _current.Length - _index)
        {
            data = _current.Slice(_index, length);
            _index += length;
        }
        else
        {
            if (scratch.Length < length)
            {
                throw new ArgumentException($"scratch of {scratch.Length} bytes cannot hold {length}", nameof(scratch));
            }
            CopyTo(scratch[..length]);
            data = scratch[..length];
        }
        ReadPadding(length);
        return data;
    }

    /// <summary>Reads a string (RFC 4506 §4.11) of at most <paramref name="maxLength"/> bytes,
    /// decoded per <see cref="XdrReaderOptions.StringEncoding"/>.</summary>
    public string ReadString(uint maxLength = uint.MaxValue)
    {
        int length = ReadLength(maxLength);
        if (length == 0)
        {
            return string.Empty;
        }
        long at = Position;
        string result;
        if (length <= _current.Length - _index)
        {
            result = Decode(_current.Slice(_index, length), at);
            _index += length;
        }
        else
        {
            byte[] rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                CopyTo(rented.AsSpan(0, length));
                result = Decode(rented.AsSpan(0, length), at);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        ReadPadding(length);
        return result;
    }

    private readonly string Decode(ReadOnlySpan<byte> bytes, long at)
    {
        try
        {
            return Options.StringEncoding switch
            {
                XdrStringEncoding.Utf8 => s_utf8Strict.GetString(bytes),
                XdrStringEncoding.Utf8Lenient => s_utf8Lenient.GetString(bytes),
                XdrStringEncoding.Ascii => s_asciiStrict.GetString(bytes),
                XdrStringEncoding.Latin1 => Encoding.Latin1.GetString(bytes),
                _ => throw new XdrException(at, $"unknown string encoding {Options.StringEncoding}"),
            };
        }
        catch (DecoderFallbackException e)
        {
            throw new XdrException(at, $"string is not valid {Options.StringEncoding}", e);
        }
    }

    /// <summary>Reads the element count of a variable-length array (RFC 4506 §4.13), checked
    /// against <paramref name="maxLength"/> and the bytes left, with each element taking at least
    /// <paramref name="minElementSize"/> bytes (4 for every XDR type but fixed opaque).</summary>
    public int ReadArrayLength(uint maxLength = uint.MaxValue, int minElementSize = 4) =>
        ReadLength(maxLength, minElementSize);

    /// <summary>Checks that a fixed-length array of <paramref name="count"/> elements of at least
    /// <paramref name="minElementSize"/> bytes can fit in what is left, before allocating it.</summary>
    public readonly void EnsureFixedArray(int count, int minElementSize = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long needed = (long)count * Math.Max(1, minElementSize);
        if (needed > Remaining)
        {
            throw new XdrException(Position, $"fixed array of {count} needs at least {needed} bytes, {Remaining} left");
        }
    }

    /// <summary>Reads an array of <typeparamref name="T"/> with a variable length.</summary>
    public T[] ReadArray<T>(uint maxLength = uint.MaxValue, int minElementSize = 4)
        where T : IXdrSerializable<T>
    {
        int count = ReadArrayLength(maxLength, minElementSize);
        return ReadFixedArray<T>(count, minElementSize);
    }

    /// <summary>Reads <paramref name="count"/> values of <typeparamref name="T"/> (a fixed-length array).</summary>
    public T[] ReadFixedArray<T>(int count, int minElementSize = 4) where T : IXdrSerializable<T>
    {
        EnsureFixedArray(count, minElementSize);
        if (count == 0)
        {
            return [];
        }
        var result = new T[count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = T.ReadFrom(ref this);
        }
        return result;
    }

    /// <summary>Reads an optional value (RFC 4506 §4.19) of a reference type.</summary>
    public T? ReadOptional<T>() where T : class, IXdrSerializable<T> =>
        ReadOptionalFlag() ? T.ReadFrom(ref this) : null;

    /// <summary>Skips <paramref name="count"/> bytes (plus padding to 4) without decoding them.</summary>
    public void SkipOpaque(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > Remaining)
        {
            throw Short(count);
        }
        Skip(count);
        ReadPadding(count);
    }

    /// <summary>Returns the input from the current position to the end without consuming it,
    /// for handing the rest of a message (procedure arguments) to another decoder.</summary>
    public readonly ReadOnlySequence<byte> RemainingSequence()
    {
        if (!_multiSegment)
        {
            throw new InvalidOperationException("the reader was built over a span; use RemainingSpan");
        }
        return _sequence.Slice(Position);
    }

    /// <summary>The unread bytes of a reader built over a span.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan()
    {
        if (_multiSegment)
        {
            throw new InvalidOperationException("the reader was built over a multi-segment sequence; use RemainingSequence");
        }
        return _current[_index..];
    }
}
