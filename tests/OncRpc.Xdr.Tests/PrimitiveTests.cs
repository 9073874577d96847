using OncRpc.Testing;
using OncRpc.Xdr.Tests.Support;

namespace OncRpc.Xdr.Tests;

/// <summary>RFC 4506 §4.1-§4.8 and §4.16: fixed-size types, boundary values, bit-exact floats.</summary>
public sealed class PrimitiveTests
{
    private static void RoundTrip<T>(T value, WriteValue write, ReadFunc<T> read, string hex, Func<T, T, bool>? same = null)
    {
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => write(ref w));
        Assert.Equal(hex, Hex.Of(bytes));
        T fromSpan = XdrTest.Decode(bytes, read, XdrReaderOptions.Strict);
        T fromSegments = XdrTest.Decode(XdrTest.OneBytePerSegment(bytes), read, XdrReaderOptions.Strict);
        same ??= EqualityComparer<T>.Default.Equals;
        Assert.True(same(value, fromSpan), $"span decode of {hex} gave {fromSpan}, expected {value}");
        Assert.True(same(value, fromSegments), $"segmented decode of {hex} gave {fromSegments}, expected {value}");
    }

    private delegate void WriteValue(ref XdrWriter writer);

    [Theory]
    [InlineData(0, "00000000")]
    [InlineData(1, "00000001")]
    [InlineData(-1, "ffffffff")]
    [InlineData(int.MinValue, "80000000")]
    [InlineData(int.MaxValue, "7fffffff")]
    public void Int(int value, string hex) =>
        RoundTrip(value, (ref XdrWriter w) => w.WriteInt32(value), (ref XdrReader r) => r.ReadInt32(), hex);

    [Theory]
    [InlineData(0u, "00000000")]
    [InlineData(0x80000000u, "80000000")]
    [InlineData(uint.MaxValue, "ffffffff")]
    public void Unsigned_int(uint value, string hex) =>
        RoundTrip(value, (ref XdrWriter w) => w.WriteUInt32(value), (ref XdrReader r) => r.ReadUInt32(), hex);

    [Theory]
    [InlineData(0L, "0000000000000000")]
    [InlineData(-1L, "ffffffffffffffff")]
    [InlineData(long.MinValue, "8000000000000000")]
    [InlineData(long.MaxValue, "7fffffffffffffff")]
    [InlineData(0x0102030405060708L, "0102030405060708")]
    public void Hyper(long value, string hex) =>
        RoundTrip(value, (ref XdrWriter w) => w.WriteInt64(value), (ref XdrReader r) => r.ReadInt64(), hex);

    [Theory]
    [InlineData(0UL, "0000000000000000")]
    [InlineData(ulong.MaxValue, "ffffffffffffffff")]
    [InlineData(0x8000000000000001UL, "8000000000000001")]
    public void Unsigned_hyper(ulong value, string hex) =>
        RoundTrip(value, (ref XdrWriter w) => w.WriteUInt64(value), (ref XdrReader r) => r.ReadUInt64(), hex);

    [Theory]
    [InlineData(0x00000000u)] // +0
    [InlineData(0x80000000u)] // -0
    [InlineData(0x7f800000u)] // +inf
    [InlineData(0xff800000u)] // -inf
    [InlineData(0x7fc00000u)] // canonical quiet NaN
    [InlineData(0x7fc12345u)] // quiet NaN with payload
    [InlineData(0x7f800001u)] // signaling NaN
    [InlineData(0xffbfffffu)] // negative signaling NaN, full payload
    [InlineData(0x00000001u)] // smallest subnormal
    [InlineData(0x007fffffu)] // largest subnormal
    [InlineData(0x7f7fffffu)] // float.MaxValue
    [InlineData(0x3fc00000u)] // 1.5
    public void Float_is_bit_exact(uint bits) =>
        RoundTrip(BitConverter.UInt32BitsToSingle(bits), (ref XdrWriter w) => w.WriteSingle(BitConverter.UInt32BitsToSingle(bits)),
            (ref XdrReader r) => r.ReadSingle(), bits.ToString("x8"),
            (a, b) => BitConverter.SingleToUInt32Bits(a) == BitConverter.SingleToUInt32Bits(b));

    [Theory]
    [InlineData(0x0000000000000000UL)]
    [InlineData(0x8000000000000000UL)]
    [InlineData(0x7ff0000000000000UL)]
    [InlineData(0xfff0000000000000UL)]
    [InlineData(0x7ff8000000000000UL)]
    [InlineData(0x7ff8000000abcdefUL)]
    [InlineData(0x7ff0000000000001UL)]
    [InlineData(0xfff7ffffffffffffUL)]
    [InlineData(0x0000000000000001UL)]
    [InlineData(0x000fffffffffffffUL)]
    [InlineData(0x7fefffffffffffffUL)]
    [InlineData(0x400921fb54442d18UL)]
    public void Double_is_bit_exact(ulong bits) =>
        RoundTrip(BitConverter.UInt64BitsToDouble(bits), (ref XdrWriter w) => w.WriteDouble(BitConverter.UInt64BitsToDouble(bits)),
            (ref XdrReader r) => r.ReadDouble(), bits.ToString("x16"),
            (a, b) => BitConverter.DoubleToUInt64Bits(a) == BitConverter.DoubleToUInt64Bits(b));

    [Theory]
    [InlineData(0x3fff000000000000UL, 0UL, "3fff0000000000000000000000000000")]
    [InlineData(0x7fff800000000000UL, 0x0000000000000001UL, "7fff8000000000000000000000000001")]
    [InlineData(ulong.MaxValue, ulong.MaxValue, "ffffffffffffffffffffffffffffffff")]
    public void Quadruple_moves_its_sixteen_bytes(ulong high, ulong low, string hex) =>
        RoundTrip(new XdrQuadruple(high, low), (ref XdrWriter w) => w.WriteQuadruple(new XdrQuadruple(high, low)),
            (ref XdrReader r) => r.ReadQuadruple(), hex);

    [Fact]
    public void Bool_is_zero_or_one()
    {
        RoundTrip(false, (ref XdrWriter w) => w.WriteBool(false), (ref XdrReader r) => r.ReadBool(), "00000000");
        RoundTrip(true, (ref XdrWriter w) => w.WriteBool(true), (ref XdrReader r) => r.ReadBool(), "00000001");
    }

    [Theory]
    [InlineData("00000002")]
    [InlineData("ffffffff")]
    [InlineData("00000100")]
    [InlineData("80000000")]
    public void Bool_rejects_other_values_at_their_offset(string hex)
    {
        byte[] bytes = Hex.Parse("00000000" + hex);
        var e = Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => (r.ReadInt32(), r.ReadBool())));
        Assert.Equal(4, e.Offset);
        Assert.Contains("bool", e.Expectation, StringComparison.Ordinal);
        // Optional-data's flag is a bool too (RFC 4506 §4.19).
        Assert.Throws<XdrException>(() => XdrTest.Decode(Hex.Parse(hex), (ref XdrReader r) => r.ReadOptionalFlag()));
    }

    [Theory]
    [InlineData(0, "00000000")]
    [InlineData(-7, "fffffff9")]
    [InlineData(int.MaxValue, "7fffffff")]
    public void Enum_is_its_raw_value(int value, string hex) =>
        RoundTrip(value, (ref XdrWriter w) => w.WriteEnum(value), (ref XdrReader r) => r.ReadEnum(), hex);

    [Fact]
    public void Undeclared_enum_points_at_the_value()
    {
        byte[] bytes = Hex.Parse("00000001 00000009");
        var e = Assert.Throws<XdrException>(() => XdrTest.Decode<int>(bytes, (ref XdrReader r) =>
        {
            r.ReadInt32();
            int v = r.ReadEnum();
            throw XdrGeneratedCode.UndeclaredEnum(in r, "color", v);
        }));
        Assert.Equal(4, e.Offset);
        Assert.Equal("9 is not a declared value of enum color", e.Expectation);
        Assert.StartsWith("XDR offset 4: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Void_is_no_bytes()
    {
        Assert.Empty(XdrSerializer.ToArray(new XdrVoid()));
        Assert.Equal(default, XdrSerializer.Deserialize<XdrVoid>(ReadOnlySpan<byte>.Empty));
        Assert.Throws<XdrException>(() => XdrSerializer.Deserialize<XdrVoid>(new byte[4]));
    }

    [Fact]
    public void Wrapper_types_round_trip()
    {
        Assert.Equal(-5, (int)XdrSerializer.Deserialize<XdrInt>(XdrSerializer.ToArray<XdrInt>(-5)));
        Assert.Equal(7u, (uint)XdrSerializer.Deserialize<XdrUInt>(XdrSerializer.ToArray<XdrUInt>(7u)));
        Assert.Equal(long.MinValue, (long)XdrSerializer.Deserialize<XdrHyper>(XdrSerializer.ToArray<XdrHyper>(long.MinValue)));
        Assert.Equal(ulong.MaxValue, (ulong)XdrSerializer.Deserialize<XdrUHyper>(XdrSerializer.ToArray<XdrUHyper>(ulong.MaxValue)));
        Assert.True(XdrSerializer.Deserialize<XdrBool>(XdrSerializer.ToArray<XdrBool>(true)));
        Assert.Equal(-0.0f, (float)XdrSerializer.Deserialize<XdrFloat>(XdrSerializer.ToArray<XdrFloat>(-0.0f)));
        Assert.Equal(double.NegativeInfinity, (double)XdrSerializer.Deserialize<XdrDouble>(XdrSerializer.ToArray<XdrDouble>(double.NegativeInfinity)));
        Assert.Equal("x", (string)XdrSerializer.Deserialize<XdrString>(XdrSerializer.ToArray<XdrString>("x")));
        Assert.Equal([1, 2, 3], XdrSerializer.Deserialize<XdrOpaque>(XdrSerializer.ToArray<XdrOpaque>(new byte[] { 1, 2, 3 })).Value.ToArray());
    }

    [Fact]
    public void Deserialize_rejects_trailing_bytes()
    {
        var e = Assert.Throws<XdrException>(() => XdrSerializer.Deserialize<XdrInt>(new byte[8]));
        Assert.Equal(4, e.Offset);
    }

    [Fact]
    public void Short_input_reports_offset_and_need()
    {
        var e = Assert.Throws<XdrException>(() => XdrTest.Decode(new byte[7], (ref XdrReader r) => (r.ReadInt32(), r.ReadInt32())));
        Assert.Equal(4, e.Offset);
        Assert.Equal("expected 4 more bytes, 3 left", e.Expectation);
        var h = Assert.Throws<XdrException>(() => XdrTest.Decode(XdrTest.OneBytePerSegment(new byte[7]), (ref XdrReader r) => r.ReadInt64()));
        Assert.Equal(0, h.Offset);
    }
}
