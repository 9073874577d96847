using OncRpc.Xdr.Tests.Support;

namespace OncRpc.Xdr.Tests;

/// <summary>The XdrStringEncoding modes: RFC 4506 §4.11 says nothing about character sets.</summary>
public sealed class StringEncodingTests
{
    private static XdrReaderOptions With(XdrStringEncoding e) => new() { StringEncoding = e, StrictPadding = true };

    private static byte[] RawString(params byte[] text) =>
        XdrTest.Encode((ref XdrWriter w) => w.WriteOpaque(text)); // same layout as a string

    public static TheoryData<string, byte[]> InvalidUtf8 => new()
    {
        { "lone continuation byte", [0x80] },
        { "0xff", [0x41, 0xff] },
        { "overlong slash", [0xc0, 0xaf] },
        { "overlong NUL", [0xe0, 0x80, 0x80] },
        { "UTF-16 surrogate", [0xed, 0xa0, 0x80] },
        { "truncated sequence", [0x41, 0xe2, 0x82] },
        { "above U+10FFFF", [0xf4, 0x90, 0x80, 0x80] },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void StrictUtf8RejectsInvalidBytesAtTheStringOffset(string why, byte[] text)
    {
        byte[] bytes = [0, 0, 0, 9, .. RawString(text)];
        var e = Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => (r.ReadInt32(), r.ReadString()), With(XdrStringEncoding.Utf8)));
        Assert.Equal(8, e.Offset); // the text, after the int and the length
        Assert.Contains("Utf8", e.Expectation, StringComparison.Ordinal);
        // The same through a sequence, where the string straddles segments (the pooled copy path).
        var s = Assert.Throws<XdrException>(() => XdrTest.Decode(XdrTest.OneBytePerSegment(bytes), (ref XdrReader r) => (r.ReadInt32(), r.ReadString()), With(XdrStringEncoding.Utf8)));
        Assert.Equal(8, s.Offset);
        Assert.NotNull(why);
    }

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void LenientUtf8ReplacesInvalidBytes(string why, byte[] text)
    {
        string value = XdrTest.Decode(RawString(text), (ref XdrReader r) => r.ReadString(), With(XdrStringEncoding.Utf8Lenient));
        Assert.Contains('\uFFFD', value);
        Assert.NotNull(why);
    }

    [Fact]
    public void Utf8RoundTripsEveryPlane()
    {
        const string text = "A é € 𝄞 \uFEFF";
        foreach (XdrStringEncoding e in new[] { XdrStringEncoding.Utf8, XdrStringEncoding.Utf8Lenient })
        {
            byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteString(text), e);
            Assert.Equal(text, XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadString(), With(e)));
        }
    }

    [Theory]
    [InlineData(XdrStringEncoding.Utf8)]
    [InlineData(XdrStringEncoding.Utf8Lenient)]
    public void Utf8WriterRefusesLoneSurrogates(XdrStringEncoding encoding)
    {
        var e = Assert.Throws<ArgumentException>(() => XdrTest.Encode((ref XdrWriter w) => w.WriteString("a\uD800b"), encoding));
        Assert.Contains(encoding.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AsciiAcceptsSevenBitsOnly()
    {
        string all = new([.. Enumerable.Range(0, 128).Select(i => (char)i)]);
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteString(all), XdrStringEncoding.Ascii);
        Assert.Equal(all, XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadString(), With(XdrStringEncoding.Ascii)));
        var e = Assert.Throws<XdrException>(() => XdrTest.Decode(RawString(0x41, 0x80), (ref XdrReader r) => r.ReadString(), With(XdrStringEncoding.Ascii)));
        Assert.Equal(4, e.Offset);
        Assert.Throws<ArgumentException>(() => XdrTest.Encode((ref XdrWriter w) => w.WriteString("é"), XdrStringEncoding.Ascii));
    }

    [Fact]
    public void Latin1RoundTripsEveryByte()
    {
        byte[] every = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        string text = XdrTest.Decode(RawString(every), (ref XdrReader r) => r.ReadString(), With(XdrStringEncoding.Latin1));
        Assert.Equal(256, text.Length);
        byte[] back = XdrTest.Encode((ref XdrWriter w) => w.WriteString(text), XdrStringEncoding.Latin1);
        Assert.Equal(RawString(every), back);
        Assert.Throws<ArgumentException>(() => XdrTest.Encode((ref XdrWriter w) => w.WriteString("€"), XdrStringEncoding.Latin1));
    }

    [Fact]
    public void UnknownEncodingIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => XdrTest.Encode((ref XdrWriter w) => w.WriteString("x"), (XdrStringEncoding)99));
        Assert.Throws<XdrException>(() => XdrTest.Decode(RawString(0x41), (ref XdrReader r) => r.ReadString(), With((XdrStringEncoding)99)));
    }

    [Fact]
    public void WriterNullStringIsMisuse() =>
        Assert.Throws<ArgumentNullException>(() => XdrTest.Encode((ref XdrWriter w) => w.WriteString(null!)));
}
