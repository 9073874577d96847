using OncRpc.Xdr.Tests.Composite;
using OncRpc.Xdr.Tests.Support;

namespace OncRpc.Xdr.Tests.Golden;

public delegate void WriteValue<T>(ref XdrWriter writer, T value);

/// <summary>One golden vector: how to encode the value golden.c encodes, and how to decode it.</summary>
public sealed record GoldenCase(string Name, WriteAction Write, ReadFunc<object?> Read, object? Expected, Func<object?, object?, bool> Same);

/// <summary>The C# side of every vector in golden.c, with the same values.</summary>
public static class GoldenCases
{
    // golden.c: data[i] = i + 1 and ints[i] = (i odd ? -1 : 1) * i * 65537.
    private static byte[] Data(int n) => [.. Enumerable.Range(1, n).Select(i => (byte)i)];

    private static int[] Ints(int n) => [.. Enumerable.Range(0, n).Select(i => (i % 2 == 1 ? -1 : 1) * i * 65537)];

    private static GoldenCase Case<T>(string name, T value, WriteValue<T> write, ReadFunc<T> read, Func<T, T, bool>? same = null) =>
        new(name, (ref XdrWriter w) => write(ref w, value), (ref XdrReader r) => read(ref r), value,
            (a, b) => same is null ? Equals(a, b) : same((T)a!, (T)b!));

    private static GoldenCase Int(string name, int v) => Case(name, v, (ref XdrWriter w, int x) => w.WriteInt32(x), (ref XdrReader r) => r.ReadInt32());

    private static GoldenCase UInt(string name, uint v) => Case(name, v, (ref XdrWriter w, uint x) => w.WriteUInt32(x), (ref XdrReader r) => r.ReadUInt32());

    private static GoldenCase Hyper(string name, long v) => Case(name, v, (ref XdrWriter w, long x) => w.WriteInt64(x), (ref XdrReader r) => r.ReadInt64());

    private static GoldenCase UHyper(string name, ulong v) => Case(name, v, (ref XdrWriter w, ulong x) => w.WriteUInt64(x), (ref XdrReader r) => r.ReadUInt64());

    // Floats compare by bits: NaN payloads and the sign of zero must survive.
    private static GoldenCase Float(string name, uint bits) => Case(name, BitConverter.UInt32BitsToSingle(bits),
        (ref XdrWriter w, float x) => w.WriteSingle(x), (ref XdrReader r) => r.ReadSingle(),
        (a, b) => BitConverter.SingleToUInt32Bits(a) == BitConverter.SingleToUInt32Bits(b));

    private static GoldenCase Double(string name, ulong bits) => Case(name, BitConverter.UInt64BitsToDouble(bits),
        (ref XdrWriter w, double x) => w.WriteDouble(x), (ref XdrReader r) => r.ReadDouble(),
        (a, b) => BitConverter.DoubleToUInt64Bits(a) == BitConverter.DoubleToUInt64Bits(b));

    private static GoldenCase Bool(string name, bool v) => Case(name, v, (ref XdrWriter w, bool x) => w.WriteBool(x), (ref XdrReader r) => r.ReadBool());

    private static GoldenCase Enum(string name, int v) => Case(name, v, (ref XdrWriter w, int x) => w.WriteEnum(x), (ref XdrReader r) => r.ReadEnum());

    private static GoldenCase FixedOpaque(string name, int n) => Case(name, Data(n),
        (ref XdrWriter w, byte[] x) => w.WriteFixedOpaque(x, n), (ref XdrReader r) => r.ReadFixedOpaque(n), Seq);

    private static GoldenCase Opaque(string name, int n, uint max) => Case(name, Data(n),
        (ref XdrWriter w, byte[] x) => w.WriteOpaque(x, max), (ref XdrReader r) => r.ReadOpaque(max), Seq);

    private static GoldenCase String(string name, string v, uint max) => Case(name, v,
        (ref XdrWriter w, string x) => w.WriteString(x, max), (ref XdrReader r) => r.ReadString(max));

    private static GoldenCase IntArray(string name, int n, uint max) => Case(name, Ints(n),
        (ref XdrWriter w, int[] x) => w.WriteArray<XdrInt>([.. x.Select(i => new XdrInt(i))], max),
        (ref XdrReader r) => [.. r.ReadArray<XdrInt>(max).Select(i => i.Value)], Seq);

    private static GoldenCase Composite(string name, int items, Color kind) => Case(name, CompositeRecord.Sample(items, kind),
        (ref XdrWriter w, CompositeRecord x) => x.WriteTo(ref w), CompositeRecord.ReadFrom,
        (a, b) => XdrSerializer.ToArray(a).AsSpan().SequenceEqual(XdrSerializer.ToArray(b)));

    private static bool Seq<T>(T[] a, T[] b) => a.AsSpan().SequenceEqual(b);

    public static IReadOnlyList<GoldenCase> All { get; } =
    [
        Int("int_zero", 0), Int("int_one", 1), Int("int_minus_one", -1), Int("int_min", int.MinValue), Int("int_max", int.MaxValue),
        UInt("uint_zero", 0), UInt("uint_high_bit", 0x80000000), UInt("uint_max", uint.MaxValue),
        Hyper("hyper_zero", 0), Hyper("hyper_minus_one", -1), Hyper("hyper_min", long.MinValue), Hyper("hyper_max", long.MaxValue),
        Hyper("hyper_pattern", 0x0102030405060708), UHyper("uhyper_max", ulong.MaxValue), UHyper("uhyper_high_bit", 0x8000000000000000),
        Float("float_zero", 0), Float("float_negative_zero", 0x80000000), Float("float_one_and_half", 0x3fc00000),
        Float("float_infinity", 0x7f800000), Float("float_negative_infinity", 0xff800000),
        Float("float_quiet_nan_payload", 0x7fc12345), Float("float_signaling_nan_payload", 0xff800001),
        Float("float_min_subnormal", 1), Float("float_max", 0x7f7fffff),
        Double("double_zero", 0), Double("double_negative_zero", 0x8000000000000000), Double("double_pi", 0x400921fb54442d18),
        Double("double_infinity", 0x7ff0000000000000), Double("double_negative_infinity", 0xfff0000000000000),
        Double("double_quiet_nan_payload", 0x7ff8000000abcdef), Double("double_signaling_nan_payload", 0xfff0000000000001),
        Double("double_min_subnormal", 1), Double("double_max", 0x7fefffffffffffff),
        Bool("bool_false", false), Bool("bool_true", true),
        Enum("enum_red", 0), Enum("enum_blue", 2), Enum("enum_negative", -7),
        FixedOpaque("opaque_fixed_0", 0), FixedOpaque("opaque_fixed_1", 1), FixedOpaque("opaque_fixed_3", 3),
        FixedOpaque("opaque_fixed_4", 4), FixedOpaque("opaque_fixed_5", 5),
        Opaque("opaque_var_empty", 0, 16), Opaque("opaque_var_1", 1, 16), Opaque("opaque_var_6", 6, 16), Opaque("opaque_var_max_16", 16, 16),
        String("string_empty", "", 32), String("string_a", "a", 32), String("string_hello", "hello", 32),
        String("string_utf8", "été", 32), String("string_max_32", "abcdefghijklmnopqrstuvwxyz012345", 32),
        IntArray("array_empty", 0, 16), IntArray("array_3", 3, 16), IntArray("array_max_16", 16, 16),
        Case("vector_hyper_2", new long[] { -2, 0x7fffffff00000001 },
            (ref XdrWriter w, long[] x) => w.WriteFixedArray<XdrHyper>([.. x.Select(v => new XdrHyper(v))]),
            (ref XdrReader r) => [.. r.ReadFixedArray<XdrHyper>(2, 8).Select(v => v.Value)], Seq),
        Case("vector_int_4", Ints(4),
            (ref XdrWriter w, int[] x) => w.WriteFixedArray<XdrInt>([.. x.Select(v => new XdrInt(v))]),
            (ref XdrReader r) => [.. r.ReadFixedArray<XdrInt>(4).Select(v => v.Value)], Seq),
        Case<int?>("pointer_null", null, WriteOptionalInt, ReadOptionalInt),
        Case<int?>("pointer_int", 77, WriteOptionalInt, ReadOptionalInt),
        Case<Shape>("union_red", new Circle(-42), (ref XdrWriter w, Shape s) => s.WriteTo(ref w), Shape.ReadFrom),
        Case<Shape>("union_green", new Labelled("green"), (ref XdrWriter w, Shape s) => s.WriteTo(ref w), Shape.ReadFrom),
        Case<Shape>("union_blue_default_void", new OtherShape(Color.Blue), (ref XdrWriter w, Shape s) => s.WriteTo(ref w), Shape.ReadFrom),
        Composite("composite_red_list_0", 0, Color.Red),
        Composite("composite_green_list_3", 3, Color.Green),
        Composite("composite_blue_list_16", 16, Color.Blue),
    ];

    // xdr_pointer: RFC 4506 §4.19 optional-data, a bool then the value when present.
    private static void WriteOptionalInt(ref XdrWriter w, int? x)
    {
        w.WriteOptionalFlag(x.HasValue);
        if (x.HasValue)
        {
            w.WriteInt32(x.Value);
        }
    }

    private static int? ReadOptionalInt(ref XdrReader r) => r.ReadOptionalFlag() ? r.ReadInt32() : null;
}
