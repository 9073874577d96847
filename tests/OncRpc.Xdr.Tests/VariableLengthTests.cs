using System.Buffers;
using OncRpc.Testing;
using OncRpc.Xdr.Tests.Composite;
using OncRpc.Xdr.Tests.Support;

namespace OncRpc.Xdr.Tests;

/// <summary>RFC 4506 §4.9-§4.13 and §4.19: opaque, strings, arrays and optional-data, at their bounds.</summary>
public sealed class VariableLengthTests
{
    private static byte[] Pattern(int n) => [.. Enumerable.Range(0, n).Select(i => (byte)(i * 7 + 1))];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(200_001)]
    public void Variable_opaque_round_trips_with_zero_padding(int n)
    {
        byte[] data = Pattern(n);
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteOpaque(data));
        int padded = (n + 3) & ~3;
        Assert.Equal(4 + padded, bytes.Length);
        Assert.Equal((uint)n, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes));
        Assert.All(bytes[(4 + n)..], b => Assert.Equal(0, b));
        Assert.Equal(data, XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadOpaque(), XdrReaderOptions.Strict));
        Assert.Equal(data, XdrTest.Decode(XdrTest.Split(bytes, 3, 4, 5, bytes.Length / 2, bytes.Length - 1), (ref XdrReader r) => r.ReadOpaque(), XdrReaderOptions.Strict));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(13)]
    public void Fixed_opaque_has_no_length(int n)
    {
        byte[] data = Pattern(n);
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteFixedOpaque(data, n));
        Assert.Equal((n + 3) & ~3, bytes.Length);
        Assert.Equal(data, XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadFixedOpaque(n), XdrReaderOptions.Strict));
        var into = new byte[n];
        XdrTest.Decode(bytes, (ref XdrReader r) => { r.ReadFixedOpaque(into); return 0; });
        Assert.Equal(data, into);
        Assert.Throws<ArgumentException>(() => XdrTest.Encode((ref XdrWriter w) => w.WriteFixedOpaque(data, n + 1)));
    }

    [Fact]
    public void Opaque_at_its_maximum_passes_and_one_more_fails()
    {
        byte[] max = Pattern(16);
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteOpaque(max, 16));
        Assert.Equal(max, XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadOpaque(16)));
        Assert.Throws<ArgumentException>(() => XdrTest.Encode((ref XdrWriter w) => w.WriteOpaque(Pattern(17), 16)));
        byte[] over = XdrTest.Encode((ref XdrWriter w) => w.WriteOpaque(Pattern(17)));
        var e = Assert.Throws<XdrException>(() => XdrTest.Decode(over, (ref XdrReader r) => r.ReadOpaque(16)));
        Assert.Equal(0, e.Offset);
        Assert.Contains("maximum 16", e.Expectation, StringComparison.Ordinal);
    }

    [Fact]
    public void Opaque_span_is_zero_copy_in_one_segment_and_uses_scratch_across_segments()
    {
        byte[] data = Pattern(10);
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteOpaque(data));
        var reader = new XdrReader(bytes);
        ReadOnlySpan<byte> span = reader.ReadOpaqueSpan(16, default);
        Assert.True(span.SequenceEqual(data));
        Assert.True(reader.End);

        var scratch = new byte[10];
        var split = new XdrReader(XdrTest.Split(bytes, 8));
        Assert.True(split.ReadOpaqueSpan(16, scratch).SequenceEqual(data));
        Assert.True(split.End);

        var tooSmall = new XdrReader(XdrTest.Split(bytes, 8));
        bool threw = false;
        try
        {
            tooSmall.ReadOpaqueSpan(16, new byte[4]);
        }
        catch (ArgumentException)
        {
            threw = true;
        }
        Assert.True(threw);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("abcd")]
    [InlineData("embedded\0nul")]
    [InlineData("日本語テキスト")]
    public void Strings_round_trip(string text)
    {
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteString(text));
        Assert.Equal(text, XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadString(), XdrReaderOptions.Strict));
        Assert.Equal(text, XdrTest.Decode(XdrTest.OneBytePerSegment(bytes), (ref XdrReader r) => r.ReadString(), XdrReaderOptions.Strict));
    }

    [Fact]
    public void String_maximum_counts_bytes_not_chars()
    {
        string sixteen = new('é', 8); // 16 UTF-8 bytes
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteString(sixteen, 16));
        Assert.Equal(sixteen, XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadString(16)));
        Assert.Throws<ArgumentException>(() => XdrTest.Encode((ref XdrWriter w) => w.WriteString(sixteen, 15)));
        Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadString(15)));
        string big = new('x', 70_000);
        byte[] large = XdrTest.Encode((ref XdrWriter w) => w.WriteString(big));
        Assert.Equal(big, XdrTest.Decode(large, (ref XdrReader r) => r.ReadString()));
        Assert.Equal(big, XdrTest.Decode(XdrTest.Split(large, 1, 33_333, 70_001), (ref XdrReader r) => r.ReadString()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16)]
    public void Arrays_round_trip_up_to_their_maximum(int n)
    {
        XdrInt[] values = [.. Enumerable.Range(0, n).Select(i => new XdrInt(i - 8))];
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteArray<XdrInt>(values, 16));
        Assert.Equal(4 + 4 * n, bytes.Length);
        Assert.Equal(values, XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadArray<XdrInt>(16)));
        byte[] fixedBytes = XdrTest.Encode((ref XdrWriter w) => w.WriteFixedArray<XdrInt>(values));
        Assert.Equal(bytes[4..], fixedBytes);
        Assert.Equal(values, XdrTest.Decode(fixedBytes, (ref XdrReader r) => r.ReadFixedArray<XdrInt>(n)));
    }

    [Fact]
    public void Array_over_its_maximum_is_refused()
    {
        XdrInt[] values = new XdrInt[17];
        Assert.Throws<ArgumentException>(() => XdrTest.Encode((ref XdrWriter w) => w.WriteArray<XdrInt>(values, 16)));
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteArray<XdrInt>(values));
        var e = Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadArray<XdrInt>(16)));
        Assert.Equal(0, e.Offset);
    }

    [Fact]
    public void Array_of_strings_and_of_hypers()
    {
        XdrString[] strings = ["", "a", "bcdef"];
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => w.WriteArray<XdrString>(strings));
        Assert.Equal(strings, XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadArray<XdrString>()));
        XdrHyper[] hypers = [long.MinValue, 0, long.MaxValue];
        byte[] hb = XdrTest.Encode((ref XdrWriter w) => w.WriteArray<XdrHyper>(hypers));
        Assert.Equal(hypers, XdrTest.Decode(hb, (ref XdrReader r) => r.ReadArray<XdrHyper>(minElementSize: 8)));
    }

    [Fact]
    public void Optional_data_is_a_bool_then_the_value()
    {
        byte[] absent = XdrTest.Encode((ref XdrWriter w) => w.WriteOptional<Shape>(null));
        Assert.Equal("00000000", Hex.Of(absent));
        Assert.Null(XdrTest.Decode(absent, (ref XdrReader r) => r.ReadOptional<Shape>()));
        Shape shape = new Circle(5);
        byte[] present = XdrTest.Encode((ref XdrWriter w) => w.WriteOptional(shape));
        Assert.Equal("00000001 00000000 00000005".Replace(" ", ""), Hex.Of(present));
        Assert.Equal(shape, XdrTest.Decode(present, (ref XdrReader r) => r.ReadOptional<Shape>()));
    }

    [Fact]
    public void Long_linked_list_decodes_without_recursion()
    {
        // 200 000 nodes: a recursive decoder would overflow the stack long before.
        CompositeRecord value = CompositeRecord.Sample(0, Color.Red);
        Node? tail = null;
        for (int i = 0; i < 200_000; i++)
        {
            var node = new Node((ulong)i, "");
            if (tail is null) { value.List = node; } else { tail.Next = node; }
            tail = node;
        }
        byte[] bytes = XdrSerializer.ToArray(value);
        CompositeRecord back = XdrSerializer.Deserialize<CompositeRecord>(bytes, XdrReaderOptions.Strict);
        int count = 0;
        for (Node? n = back.List; n is not null; n = n.Next) { count++; }
        Assert.Equal(200_000, count);
    }

    [Fact]
    public void Skip_opaque_and_remaining_views()
    {
        byte[] bytes = Hex.Parse("01020300 00000007");
        var reader = new XdrReader(bytes);
        reader.SkipOpaque(3);
        Assert.True(reader.RemainingSpan().SequenceEqual(bytes.AsSpan(4)));
        Assert.Equal(7, reader.ReadInt32());

        var seq = new XdrReader(XdrTest.Split(bytes, 2, 6));
        seq.SkipOpaque(3);
        Assert.Equal(bytes[4..], seq.RemainingSequence().ToArray());
        Assert.Equal(7, seq.ReadInt32());
    }
}
