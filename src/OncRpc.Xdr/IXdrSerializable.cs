namespace OncRpc.Xdr;

/// <summary>
/// A type with an XDR encoding. Static abstract members mean no resolvers, no reflection:
/// generic code constrained on this interface calls the codec directly (trim and AOT clean),
/// and value types are never boxed.
/// </summary>
public interface IXdrSerializable<TSelf> where TSelf : IXdrSerializable<TSelf>
{
    /// <summary>Decodes one value. Throws <see cref="XdrException"/> on bytes that do not decode.</summary>
    static abstract TSelf ReadFrom(ref XdrReader reader);

    /// <summary>Encodes this value.</summary>
    void WriteTo(ref XdrWriter writer);
}
