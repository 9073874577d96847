using OncRpc.Testing;
using OncRpc.Xdr.Tests.Support;

namespace OncRpc.Xdr.Tests;

/// <summary>RFC 4506 §3/§4.9: padding is written as zeros; read leniently (like libtirpc) by default,
/// rejected when non-zero under <see cref="XdrReaderOptions.StrictPadding"/>.</summary>
public sealed class PaddingTests
{
    public static TheoryData<string, string> DirtyPadding => new()
    {
        { "opaque<>", "00000001 41ff0000" },
        { "opaque<> last pad byte", "00000003 41424301" },
        { "string", "00000002 4142 0080" },
        { "fixed opaque[5]", "0102030405 000001" },
    };

    private static object Read(string kind, ref XdrReader r) => kind switch
    {
        "fixed opaque[5]" => r.ReadFixedOpaque(5),
        "string" => r.ReadString(),
        _ => r.ReadOpaque(),
    };

    [Theory]
    [MemberData(nameof(DirtyPadding))]
    public void Lenient_by_default(string kind, string hex)
    {
        byte[] bytes = Hex.Parse(hex);
        XdrTest.Decode(bytes, (ref XdrReader r) => Read(kind, ref r));
        XdrTest.Decode(XdrTest.OneBytePerSegment(bytes), (ref XdrReader r) => Read(kind, ref r), XdrReaderOptions.Default);
    }

    [Theory]
    [MemberData(nameof(DirtyPadding))]
    public void Strict_rejects_non_zero_padding_at_the_padding_offset(string kind, string hex)
    {
        byte[] bytes = Hex.Parse(hex);
        int dataEnd = kind switch { "fixed opaque[5]" => 5, "string" => 6, _ => 4 + bytes[3] };
        var e = Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => Read(kind, ref r), XdrReaderOptions.Strict));
        Assert.Equal(dataEnd, e.Offset);
        Assert.Contains("padding", e.Expectation, StringComparison.Ordinal);
        var s = Assert.Throws<XdrException>(() => XdrTest.Decode(XdrTest.OneBytePerSegment(bytes), (ref XdrReader r) => Read(kind, ref r), XdrReaderOptions.Strict));
        Assert.Equal(dataEnd, s.Offset);
    }

    [Fact]
    public void Strict_accepts_zero_padding()
    {
        Assert.Equal([0x41], XdrTest.Decode(Hex.Parse("00000001 41000000"), (ref XdrReader r) => r.ReadOpaque(), XdrReaderOptions.Strict));
    }

    [Fact]
    public void Strict_skip_opaque_checks_padding_too()
    {
        byte[] bytes = Hex.Parse("41000100");
        XdrTest.Decode(bytes, (ref XdrReader r) => { r.SkipOpaque(1); return 0; });
        Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => { r.SkipOpaque(1); return 0; }, XdrReaderOptions.Strict));
    }

    [Fact]
    public void Missing_padding_is_short_input_in_both_modes()
    {
        byte[] bytes = Hex.Parse("00000001 41");
        Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadOpaque()));
        Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadOpaque(), XdrReaderOptions.Strict));
    }

    [Fact]
    public void Writer_pads_with_zeros_even_into_a_dirty_buffer()
    {
        // A reused buffer full of 0xff must not leak into padding.
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64);
        buffer.GetSpan(64).Fill(0xff);
        var writer = new XdrWriter(buffer);
        writer.WriteOpaque([1]);
        writer.WriteString("ab");
        writer.WriteFixedOpaque([9, 9, 9]);
        writer.Flush();
        Assert.Equal("00000001 01000000 00000002 61620000 09090900".Replace(" ", ""), Hex.Of(buffer.WrittenSpan));
    }
}
