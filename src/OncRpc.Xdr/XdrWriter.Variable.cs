using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace OncRpc.Xdr;

public ref partial struct XdrWriter
{
    private static readonly Encoding s_utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
    private static readonly Encoding s_ascii =
        Encoding.GetEncoding("us-ascii", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
    private static readonly Encoding s_latin1 =
        Encoding.GetEncoding("iso-8859-1", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    private void WritePadding(int dataLength)
    {
        int pad = (4 - (dataLength & 3)) & 3;
        if (pad != 0)
        {
            GetSpan(pad)[..pad].Clear();
            Advance(pad);
        }
    }

    /// <summary>Writes bytes, crossing output blocks as needed, without a length prefix or padding.</summary>
    private void WriteRaw(scoped ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            int room = _span.Length - _buffered;
            if (room == 0)
            {
                Grow(Math.Min(data.Length, 64 * 1024));
                room = _span.Length - _buffered;
            }
            int n = Math.Min(room, data.Length);
            data[..n].CopyTo(_span[_buffered..]);
            _buffered += n;
            data = data[n..];
        }
    }

    /// <summary>Writes fixed-length opaque data (RFC 4506 §4.9): the bytes, then zero padding.</summary>
    public void WriteFixedOpaque(scoped ReadOnlySpan<byte> data)
    {
        int pad = (4 - (data.Length & 3)) & 3;
        if (data.Length + pad <= _span.Length - _buffered)
        {
            // Fits the current block: one copy, padding cleared in place (RFC 4506 §4.9: zeros).
            Span<byte> destination = _span.Slice(_buffered, data.Length + pad);
            data.CopyTo(destination);
            destination[data.Length..].Clear();
            _buffered += data.Length + pad;
            return;
        }
        WriteRaw(data);
        WritePadding(data.Length);
    }

    /// <summary>Writes fixed-length opaque data that must be exactly <paramref name="length"/> bytes.</summary>
    public void WriteFixedOpaque(scoped ReadOnlySpan<byte> data, int length)
    {
        if (data.Length != length)
        {
            throw new ArgumentException($"fixed opaque must be {length} bytes, got {data.Length}", nameof(data));
        }
        WriteFixedOpaque(data);
    }

    /// <summary>Writes variable-length opaque data (RFC 4506 §4.10): length, bytes, padding.</summary>
    public void WriteOpaque(scoped ReadOnlySpan<byte> data, uint maxLength = uint.MaxValue)
    {
        WriteLength(data.Length, maxLength);
        WriteFixedOpaque(data);
    }

    /// <summary>Writes a variable-length count after checking it against the declared maximum.</summary>
    public void WriteLength(int length, uint maxLength = uint.MaxValue)
    {
        if ((uint)length > maxLength)
        {
            throw new ArgumentException($"length {length} exceeds the declared maximum {maxLength}");
        }
        WriteUInt32((uint)length);
    }

    /// <summary>Writes a string (RFC 4506 §4.11) in <see cref="StringEncoding"/>; throws
    /// <see cref="ArgumentException"/> if it encodes to more than <paramref name="maxLength"/> bytes
    /// or holds a char the encoding cannot represent.</summary>
    public void WriteString(string value, uint maxLength = uint.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length <= FastStringChars && TryWriteStringInPlace(value, maxLength))
        {
            return;
        }
        WriteStringCounted(value, maxLength);
    }

    // Strings up to this many chars are encoded in one pass straight into the output, with room
    // reserved for the worst case (3 UTF-8 bytes per UTF-16 char) and the length filled in after.
    private const int FastStringChars = 4096;

    private bool TryWriteStringInPlace(string value, uint maxLength)
    {
        int worst = StringEncoding is XdrStringEncoding.Ascii or XdrStringEncoding.Latin1 ? value.Length : value.Length * 3;
        if (worst + 7 > _span.Length - _buffered && worst > 1024)
        {
            return false; // would make the output hand out a big block just for the worst case
        }
        Span<byte> destination = GetSpan(4 + worst + 3);
        Span<byte> text = destination[4..];
        int written;
        switch (StringEncoding)
        {
            case XdrStringEncoding.Utf8 or XdrStringEncoding.Utf8Lenient:
                if (Utf8.FromUtf16(value, text, out _, out written, replaceInvalidSequences: false) != OperationStatus.Done)
                {
                    return false; // lone surrogate: the counted path throws the documented exception
                }
                break;
            case XdrStringEncoding.Ascii:
                if (System.Text.Ascii.FromUtf16(value, text, out written) != OperationStatus.Done)
                {
                    return false;
                }
                break;
            case XdrStringEncoding.Latin1:
                if (value.AsSpan().ContainsAnyExceptInRange('\0', '\u00FF'))
                {
                    return false;
                }
                written = Encoding.Latin1.GetBytes(value, text);
                break;
            default:
                return false;
        }
        if ((uint)written > maxLength)
        {
            throw new ArgumentException($"length {written} exceeds the declared maximum {maxLength}");
        }
        BinaryPrimitives.WriteInt32BigEndian(destination, written);
        int pad = (4 - (written & 3)) & 3;
        text.Slice(written, pad).Clear();
        Advance(4 + written + pad);
        return true;
    }

    private void WriteStringCounted(string value, uint maxLength)
    {
        Encoding encoding = StringEncoding switch
        {
            XdrStringEncoding.Utf8 or XdrStringEncoding.Utf8Lenient => s_utf8,
            XdrStringEncoding.Ascii => s_ascii,
            XdrStringEncoding.Latin1 => s_latin1,
            _ => throw new ArgumentOutOfRangeException(nameof(value), $"unknown string encoding {StringEncoding}"),
        };
        int byteCount;
        try
        {
            byteCount = encoding.GetByteCount(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"string cannot be encoded as {StringEncoding}", nameof(value), e);
        }
        WriteLength(byteCount, maxLength);
        if (byteCount <= 64 * 1024)
        {
            Span<byte> destination = GetSpan(byteCount);
            encoding.GetBytes(value, destination);
            Advance(byteCount);
        }
        else
        {
            WriteRaw(encoding.GetBytes(value));
        }
        WritePadding(byteCount);
    }

    /// <summary>Writes a variable-length array (RFC 4506 §4.13).</summary>
    public void WriteArray<T>(scoped ReadOnlySpan<T> values, uint maxLength = uint.MaxValue) where T : IXdrSerializable<T>
    {
        WriteLength(values.Length, maxLength);
        WriteFixedArray(values);
    }

    /// <summary>Writes the elements of a fixed-length array (RFC 4506 §4.12), no count.</summary>
    public void WriteFixedArray<T>(scoped ReadOnlySpan<T> values) where T : IXdrSerializable<T>
    {
        foreach (T value in values)
        {
            value.WriteTo(ref this);
        }
    }

    /// <summary>Writes an optional value (RFC 4506 §4.19) of a reference type.</summary>
    public void WriteOptional<T>(T? value) where T : class, IXdrSerializable<T>
    {
        WriteOptionalFlag(value is not null);
        value?.WriteTo(ref this);
    }
}
