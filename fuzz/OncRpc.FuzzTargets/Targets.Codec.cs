using System.Buffers;
using OncRpc.Xdr;

namespace OncRpc.FuzzTargets;

public static partial class Targets
{
    public delegate T Decode<T>(ref XdrReader reader);

    public delegate void Encode<T>(ref XdrWriter writer, T value);

    /// <summary>
    /// Decodes <paramref name="input"/> with <paramref name="decode"/>; only <see cref="XdrException"/>
    /// may escape. When <paramref name="encode"/> is given and strict padding also accepts the input,
    /// re-encoding the value must give back exactly the bytes consumed (canonical XDR decodes to a value
    /// that writes the same bytes, RFC 4506 §3), and strict and lenient must consume the same bytes.
    /// Returns the value, or default when the input was refused.
    /// </summary>
    internal static T? RoundTrip<T>(ReadOnlySpan<byte> input, Decode<T> decode, Encode<T>? encode,
        XdrStringEncoding encoding = XdrStringEncoding.Utf8)
    {
        T value;
        long consumed;
        try
        {
            var reader = new XdrReader(input, new XdrReaderOptions { StringEncoding = encoding });
            value = decode(ref reader);
            consumed = reader.Position;
        }
        catch (XdrException)
        {
            return default;
        }
        if (encode is null)
        {
            return value;
        }
        T strictValue;
        try
        {
            var strict = new XdrReader(input, new XdrReaderOptions { StringEncoding = encoding, StrictPadding = true });
            strictValue = decode(ref strict);
            if (strict.Position != consumed)
            {
                throw new FuzzPropertyException($"strict decoding consumed {strict.Position} bytes, lenient {consumed}");
            }
        }
        catch (XdrException)
        {
            return value; // non-zero padding: accepted leniently only
        }
        var output = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(output, encoding);
        encode(ref writer, strictValue);
        writer.Flush();
        if (!output.WrittenSpan.SequenceEqual(input[..(int)consumed]))
        {
            throw new FuzzPropertyException(
                $"re-encoding differs: consumed {Convert.ToHexString(input[..(int)consumed])}, wrote {Convert.ToHexString(output.WrittenSpan)}");
        }
        return value;
    }
}
