using System.Buffers;

namespace OncRpc.Xdr;

/// <summary>One-call helpers around <see cref="XdrWriter"/> and <see cref="XdrReader"/>.</summary>
public static class XdrSerializer
{
    /// <summary>Encodes <paramref name="value"/> into <paramref name="output"/> and flushes.</summary>
    public static void Serialize<T>(T value, IBufferWriter<byte> output, XdrStringEncoding encoding = XdrStringEncoding.Utf8)
        where T : IXdrSerializable<T>
    {
        var writer = new XdrWriter(output, encoding);
        value.WriteTo(ref writer);
        writer.Flush();
    }

    /// <summary>Encodes <paramref name="value"/> into a new array.</summary>
    public static byte[] ToArray<T>(T value, XdrStringEncoding encoding = XdrStringEncoding.Utf8)
        where T : IXdrSerializable<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        Serialize(value, buffer, encoding);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes exactly one value from <paramref name="data"/>; trailing bytes are an error.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> data, XdrReaderOptions options = default)
        where T : IXdrSerializable<T>
    {
        var reader = new XdrReader(data, options);
        T value = T.ReadFrom(ref reader);
        EnsureEnd(ref reader, value);
        return value;
    }

    /// <summary>Decodes exactly one value from <paramref name="data"/>; trailing bytes are an error.</summary>
    public static T Deserialize<T>(ReadOnlySequence<byte> data, XdrReaderOptions options = default)
        where T : IXdrSerializable<T>
    {
        var reader = new XdrReader(data, options);
        T value = T.ReadFrom(ref reader);
        EnsureEnd(ref reader, value);
        return value;
    }

    /// <summary>Throws on trailing bytes, first giving back what <paramref name="value"/> holds
    /// when it owns pooled memory (<see cref="XdrPooledOpaque"/>): the caller never sees it.</summary>
    private static void EnsureEnd<T>(ref XdrReader reader, T value)
    {
        if (!reader.End)
        {
            (value as IDisposable)?.Dispose();
            reader.EnsureEnd();
        }
    }
}
