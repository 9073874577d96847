using OncRpc.Testing;
using OncRpc.Xdr;
using OncRpc.Xdr.Tests.Composite;

namespace OncRpc.Fuzz;

/// <summary>One fuzzer per XDR reader (RFC 4506 §4) and one for the composite test type.</summary>
public sealed class XdrFuzzTests
{

    private static readonly byte[][] s_words = [Hex.Parse("00000000"), Hex.Parse("00000001"), Hex.Parse("ffffffff"), Hex.Parse("80000000 00000000"), Hex.Parse("7fc12345")];

    [FuzzFact]
    public void Int() => FuzzRunner.Run("int", (ref XdrReader r) => r.ReadInt32(), (ref XdrWriter w, int v) => w.WriteInt32(v), s_words);

    [FuzzFact]
    public void UnsignedInt() => FuzzRunner.Run("uint", (ref XdrReader r) => r.ReadUInt32(), (ref XdrWriter w, uint v) => w.WriteUInt32(v), s_words);

    [FuzzFact]
    public void Hyper() => FuzzRunner.Run("hyper", (ref XdrReader r) => r.ReadInt64(), (ref XdrWriter w, long v) => w.WriteInt64(v), s_words);

    [FuzzFact]
    public void UnsignedHyper() => FuzzRunner.Run("uhyper", (ref XdrReader r) => r.ReadUInt64(), (ref XdrWriter w, ulong v) => w.WriteUInt64(v), s_words);

    [FuzzFact]
    public void Float() => FuzzRunner.Run("float", (ref XdrReader r) => r.ReadSingle(), (ref XdrWriter w, float v) => w.WriteSingle(v),
        [.. s_words, Hex.Parse("7f800001"), Hex.Parse("80000000")]);

    [FuzzFact]
    public void Double() => FuzzRunner.Run("double", (ref XdrReader r) => r.ReadDouble(), (ref XdrWriter w, double v) => w.WriteDouble(v),
        [.. s_words, Hex.Parse("7ff0000000000001"), Hex.Parse("fff8000000abcdef")]);

    [FuzzFact]
    public void Quadruple() => FuzzRunner.Run("quadruple", (ref XdrReader r) => r.ReadQuadruple(), (ref XdrWriter w, XdrQuadruple v) => w.WriteQuadruple(v),
        [Hex.Parse("3fff0000000000000000000000000000"), Hex.Parse("7fff8000000000000000000000000001")]);

    [FuzzFact]
    public void Bool() => FuzzRunner.Run("bool", (ref XdrReader r) => r.ReadBool(), (ref XdrWriter w, bool v) => w.WriteBool(v), s_words);

    [FuzzFact]
    public void Enum() => FuzzRunner.Run("enum", (ref XdrReader r) => r.ReadEnum(), (ref XdrWriter w, int v) => w.WriteEnum(v), s_words);

    [FuzzFact]
    public void OptionalInt() => FuzzRunner.Run<int?>("optional int",
        (ref XdrReader r) => r.ReadOptionalFlag() ? r.ReadInt32() : null,
        (ref XdrWriter w, int? v) => { w.WriteOptionalFlag(v.HasValue); if (v.HasValue) { w.WriteInt32(v.Value); } },
        [Hex.Parse("00000000"), Hex.Parse("00000001 0000004d")]);

    private static readonly byte[][] s_opaques =
        [Hex.Parse("00000000"), Hex.Parse("00000001 41000000"), Hex.Parse("00000005 0102030405000000"), Hex.Parse("00000010 000102030405060708090a0b0c0d0e0f")];

    [FuzzFact]
    public void FixedOpaque() => FuzzRunner.Run("opaque[5]", (ref XdrReader r) => r.ReadFixedOpaque(5),
        (ref XdrWriter w, byte[] v) => w.WriteFixedOpaque(v, 5), [Hex.Parse("0102030405000000"), Hex.Parse("41424344 45464748")]);

    [FuzzFact]
    public void Opaque() => FuzzRunner.Run("opaque<>", (ref XdrReader r) => r.ReadOpaque(), (ref XdrWriter w, byte[] v) => w.WriteOpaque(v), s_opaques);

    [FuzzFact]
    public void BoundedOpaque() => FuzzRunner.Run("opaque<16>", (ref XdrReader r) => r.ReadOpaque(16), (ref XdrWriter w, byte[] v) => w.WriteOpaque(v, 16), s_opaques);

    [FuzzFact]
    public void OpaqueSpan() => FuzzRunner.Run("opaque span<16>", (ref XdrReader r) => r.ReadOpaqueSpan(16, new byte[16]).ToArray(),
        (ref XdrWriter w, byte[] v) => w.WriteOpaque(v, 16), s_opaques);

    [FuzzFact]
    public void PooledOpaque() => FuzzRunner.Run("pooled opaque<>", (ref XdrReader r) => ReadPooled(ref r, uint.MaxValue),
        (ref XdrWriter w, byte[] v) => w.WriteOpaque(v), s_opaques);

    [FuzzFact]
    public void BoundedPooledOpaque() => FuzzRunner.Run("pooled opaque<16>", (ref XdrReader r) => ReadPooled(ref r, 16),
        (ref XdrWriter w, byte[] v) => w.WriteOpaque(v, 16), s_opaques);

    /// <summary>The pooled decode's bytes, its array back in the pool before they are compared.</summary>
    private static byte[] ReadPooled(ref XdrReader reader, uint maxLength)
    {
        using XdrPooledOpaque pooled = XdrPooledOpaque.ReadFrom(ref reader, maxLength);
        Assert.Equal(pooled.Length, pooled.Span.Length);
        return pooled.Span.ToArray();
    }

    [FuzzFact]
    public void SkipOpaque() => FuzzRunner.Run("skip opaque[5]", (ref XdrReader r) => { r.SkipOpaque(5); return 0; }, null,
        [Hex.Parse("0102030405000000")]);

    private static readonly byte[][] s_strings =
        [Hex.Parse("00000000"), Hex.Parse("00000005 68656c6c6f000000"), Hex.Parse("00000005 c3a974c3a9000000"), Hex.Parse("00000004 f09d849e")];

    [FuzzFact]
    public void Utf8String() => FuzzRunner.Run("string<> utf8", (ref XdrReader r) => r.ReadString(), (ref XdrWriter w, string v) => w.WriteString(v), s_strings);

    [FuzzFact]
    public void AsciiString() => FuzzRunner.Run("string<32> ascii", (ref XdrReader r) => r.ReadString(32), (ref XdrWriter w, string v) => w.WriteString(v, 32),
        s_strings, XdrStringEncoding.Ascii);

    [FuzzFact]
    public void Latin1String() => FuzzRunner.Run("string<32> latin1", (ref XdrReader r) => r.ReadString(32), (ref XdrWriter w, string v) => w.WriteString(v, 32),
        s_strings, XdrStringEncoding.Latin1);

    [FuzzFact]
    public void IntArray() => FuzzRunner.Run("int<>", (ref XdrReader r) => r.ReadArray<XdrInt>(), (ref XdrWriter w, XdrInt[] v) => w.WriteArray<XdrInt>(v),
        [Hex.Parse("00000000"), Hex.Parse("00000003 00000001 fffffffe 00000003")]);

    [FuzzFact]
    public void StringArray() => FuzzRunner.Run("string<8><>", (ref XdrReader r) => r.ReadArray<XdrString>(8),
        (ref XdrWriter w, XdrString[] v) => w.WriteArray<XdrString>(v, 8),
        [Hex.Parse("00000002 00000001 61000000 00000000"), Hex.Parse("00000000")]);

    [FuzzFact]
    public void FixedHyperArray() => FuzzRunner.Run("hyper[2]", (ref XdrReader r) => r.ReadFixedArray<XdrHyper>(2, 8),
        (ref XdrWriter w, XdrHyper[] v) => w.WriteFixedArray<XdrHyper>(v), [Hex.Parse("fffffffffffffffe 7fffffff00000001")]);

    [FuzzFact]
    public void Composite() => FuzzRunner.Run("composite", CompositeRecord.ReadFrom, (ref XdrWriter w, CompositeRecord v) => v.WriteTo(ref w),
        [XdrSerializer.ToArray(CompositeRecord.Sample(0, Color.Red)), XdrSerializer.ToArray(CompositeRecord.Sample(3, Color.Green)),
         XdrSerializer.ToArray(CompositeRecord.Sample(16, Color.Blue))]);
}
