using OncRpc.Xdr;

namespace OncRpc.Benchmarks.Xdr;

// The composite record of tests/TestData/xdr/composite.h, hand-written as generated code would
// be, so the .NET figure and benchmarks/c/xdr/composite_bench.c measure the same bytes (564).

public enum BenchColor
{
    Red = 0,
    Green = 1,
    Blue = 2,
}

/// <summary>union shape switch (color kind): RED int, GREEN string&lt;64&gt;, default void.</summary>
public sealed class BenchShape
{
    public BenchColor Kind { get; init; }
    public int Radius { get; init; }
    public string? Label { get; init; }

    public static BenchShape ReadFrom(ref XdrReader reader)
    {
        int kind = reader.ReadEnum();
        return kind switch
        {
            0 => new BenchShape { Kind = BenchColor.Red, Radius = reader.ReadInt32() },
            1 => new BenchShape { Kind = BenchColor.Green, Label = reader.ReadString(64) },
            2 => new BenchShape { Kind = BenchColor.Blue },
            _ => throw XdrGeneratedCode.UndeclaredEnum(in reader, "color", kind),
        };
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteEnum((int)Kind);
        if (Kind == BenchColor.Red)
        {
            writer.WriteInt32(Radius);
        }
        else if (Kind == BenchColor.Green)
        {
            writer.WriteString(Label!, 64);
        }
    }
}

/// <summary>struct node { unsigned hyper id; string name&lt;32&gt;; node *next; }</summary>
public sealed class BenchNode(ulong id, string name)
{
    public ulong Id { get; } = id;
    public string Name { get; } = name;
    public BenchNode? Next { get; set; }
}

public sealed class BenchRecord : IXdrSerializable<BenchRecord>
{
    public int I32 { get; set; }
    public uint U32 { get; set; }
    public long I64 { get; set; }
    public ulong U64 { get; set; }
    public float F32 { get; set; }
    public double F64 { get; set; }
    public bool Flag { get; set; }
    public BenchColor Kind { get; set; }
    public byte[] Tag { get; set; } = new byte[6];
    public byte[] Blob { get; set; } = [];
    public string Title { get; set; } = "";
    public int[] FixedInts { get; set; } = new int[4];
    public int[] Ints { get; set; } = [];
    public BenchShape Shape { get; set; } = new() { Kind = BenchColor.Blue };
    public BenchNode? List { get; set; }

    public static BenchRecord ReadFrom(ref XdrReader reader)
    {
        var value = new BenchRecord
        {
            I32 = reader.ReadInt32(),
            U32 = reader.ReadUInt32(),
            I64 = reader.ReadInt64(),
            U64 = reader.ReadUInt64(),
            F32 = reader.ReadSingle(),
            F64 = reader.ReadDouble(),
            Flag = reader.ReadBool(),
        };
        int kind = reader.ReadEnum();
        if ((uint)kind > 2)
        {
            throw XdrGeneratedCode.UndeclaredEnum(in reader, "color", kind);
        }
        value.Kind = (BenchColor)kind;
        value.Tag = reader.ReadFixedOpaque(6);
        value.Blob = reader.ReadOpaque(64);
        value.Title = reader.ReadString(128);
        reader.EnsureFixedArray(4);
        for (int i = 0; i < 4; i++)
        {
            value.FixedInts[i] = reader.ReadInt32();
        }
        int count = reader.ReadArrayLength(16);
        var ints = count == 0 ? [] : new int[count];
        for (int i = 0; i < ints.Length; i++)
        {
            ints[i] = reader.ReadInt32();
        }
        value.Ints = ints;
        value.Shape = BenchShape.ReadFrom(ref reader);
        BenchNode? tail = null;
        while (reader.ReadOptionalFlag()) // RFC 4506 §4.19, iteratively
        {
            var node = new BenchNode(reader.ReadUInt64(), reader.ReadString(32));
            if (tail is null)
            {
                value.List = node;
            }
            else
            {
                tail.Next = node;
            }
            tail = node;
        }
        return value;
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteInt32(I32);
        writer.WriteUInt32(U32);
        writer.WriteInt64(I64);
        writer.WriteUInt64(U64);
        writer.WriteSingle(F32);
        writer.WriteDouble(F64);
        writer.WriteBool(Flag);
        writer.WriteEnum((int)Kind);
        writer.WriteFixedOpaque(Tag, 6);
        writer.WriteOpaque(Blob, 64);
        writer.WriteString(Title, 128);
        foreach (int v in FixedInts)
        {
            writer.WriteInt32(v);
        }
        writer.WriteLength(Ints.Length, 16);
        foreach (int v in Ints)
        {
            writer.WriteInt32(v);
        }
        Shape.WriteTo(ref writer);
        for (BenchNode? node = List; node is not null; node = node.Next)
        {
            writer.WriteOptionalFlag(true);
            writer.WriteUInt64(node.Id);
            writer.WriteString(node.Name, 32);
        }
        writer.WriteOptionalFlag(false);
    }

    /// <summary>composite_sample(&amp;c, nodes, names, 16, GREEN) of composite.h.</summary>
    public static BenchRecord Sample()
    {
        var value = new BenchRecord
        {
            I32 = -123456789,
            U32 = 4000000000u,
            I64 = -1234567890123456789L,
            U64 = 18000000000000000000UL,
            F32 = 3.25f,
            F64 = -2.5e-300,
            Flag = true,
            Kind = BenchColor.Blue,
            Tag = [(byte)'t', (byte)'a', (byte)'g', 0, 0xff, 1],
            Blob = [.. "0123456789abcdefghij"u8, 0],
            Title = "composite title: été",
            FixedInts = [1000, 2000, 3000, 4000],
            Ints = [1, -1, 2, -2, 3, -3, 4],
            Shape = new BenchShape { Kind = BenchColor.Green, Label = "green label" },
        };
        BenchNode? tail = null;
        for (int i = 0; i < 16; i++)
        {
            var node = new BenchNode((ulong)i * 0x0101010101UL, $"node-{i}");
            if (tail is null)
            {
                value.List = node;
            }
            else
            {
                tail.Next = node;
            }
            tail = node;
        }
        return value;
    }
}
