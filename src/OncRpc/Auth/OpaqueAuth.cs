using OncRpc.Xdr;

namespace OncRpc.Auth;

/// <summary>
/// opaque_auth (RFC 5531 §8.2): a flavor and up to 400 bytes of body. Bodies over 400 bytes are
/// refused on read (the RFC's bound) and on write.
/// </summary>
public readonly record struct OpaqueAuth(AuthFlavor Flavor, ReadOnlyMemory<byte> Body) : IXdrSerializable<OpaqueAuth>
{
    /// <summary>RFC 5531 §8.2: "opaque body&lt;400&gt;".</summary>
    public const int MaxBodyLength = 400;

    /// <summary>AUTH_NONE with an empty body.</summary>
    public static OpaqueAuth None => default;

    public static OpaqueAuth ReadFrom(ref XdrReader reader)
    {
        var flavor = (AuthFlavor)reader.ReadInt32();
        byte[] body = reader.ReadOpaque(MaxBodyLength);
        return new OpaqueAuth(flavor, body);
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteInt32((int)Flavor);
        writer.WriteOpaque(Body.Span, MaxBodyLength);
    }

    public bool Equals(OpaqueAuth other) => Flavor == other.Flavor && Body.Span.SequenceEqual(other.Body.Span);

    public override int GetHashCode() => HashCode.Combine(Flavor, Body.Length);
}
