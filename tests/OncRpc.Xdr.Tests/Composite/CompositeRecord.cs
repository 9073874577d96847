namespace OncRpc.Xdr.Tests.Composite;

/// <summary>
/// The composite test type of tests/TestData/xdr/composite.h: every XDR kind in one struct
/// (primitives, fixed and variable opaque, a bounded string, fixed and variable arrays, a union
/// and an optional-data linked list). Hand-written as generated code would be.
/// </summary>
public sealed class CompositeRecord : IXdrSerializable<CompositeRecord>
{
    public const int TagLength = 6;
    public const uint MaxBlob = 64;
    public const uint MaxTitle = 128;
    public const int FixedInts = 4;
    public const uint MaxInts = 16;

    public int I32 { get; set; }
    public uint U32 { get; set; }
    public long I64 { get; set; }
    public ulong U64 { get; set; }
    public float F32 { get; set; }
    public double F64 { get; set; }
    public bool Flag { get; set; }
    public Color Kind { get; set; }
    public byte[] Tag { get; set; } = new byte[TagLength];
    public byte[] Blob { get; set; } = [];
    public string Title { get; set; } = "";
    public int[] FixedIntValues { get; set; } = new int[FixedInts];
    public int[] Ints { get; set; } = [];
    public Shape Shape { get; set; } = new OtherShape(Color.Blue);
    public Node? List { get; set; }

    public static CompositeRecord ReadFrom(ref XdrReader reader)
    {
        var value = new CompositeRecord
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
        if ((uint)kind > (uint)Color.Blue)
        {
            throw XdrGeneratedCode.UndeclaredEnum(in reader, "color", kind);
        }
        value.Kind = (Color)kind;
        value.Tag = reader.ReadFixedOpaque(TagLength);
        value.Blob = reader.ReadOpaque(MaxBlob);
        value.Title = reader.ReadString(MaxTitle);
        reader.EnsureFixedArray(FixedInts);
        for (int i = 0; i < FixedInts; i++)
        {
            value.FixedIntValues[i] = reader.ReadInt32();
        }
        int count = reader.ReadArrayLength(MaxInts);
        value.Ints = count == 0 ? [] : new int[count];
        for (int i = 0; i < count; i++)
        {
            value.Ints[i] = reader.ReadInt32();
        }
        value.Shape = Shape.ReadFrom(ref reader);
        value.List = ReadList(ref reader);
        return value;
    }

    /// <summary>RFC 4506 §4.19 optional-data list, decoded in a loop rather than by recursion so a
    /// long list cannot exhaust the stack.</summary>
    private static Node? ReadList(ref XdrReader reader)
    {
        Node? head = null;
        Node? tail = null;
        while (reader.ReadOptionalFlag())
        {
            var node = new Node(reader.ReadUInt64(), reader.ReadString(Node.MaxName));
            if (tail is null)
            {
                head = node;
            }
            else
            {
                tail.Next = node;
            }
            tail = node;
        }
        return head;
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
        writer.WriteFixedOpaque(Tag, TagLength);
        writer.WriteOpaque(Blob, MaxBlob);
        writer.WriteString(Title, MaxTitle);
        foreach (int v in FixedIntValues)
        {
            writer.WriteInt32(v);
        }
        writer.WriteLength(Ints.Length, MaxInts);
        foreach (int v in Ints)
        {
            writer.WriteInt32(v);
        }
        Shape.WriteTo(ref writer);
        for (Node? node = List; node is not null; node = node.Next)
        {
            writer.WriteOptionalFlag(true);
            writer.WriteUInt64(node.Id);
            writer.WriteString(node.Name, Node.MaxName);
        }
        writer.WriteOptionalFlag(false);
    }

    /// <summary>The value composite_sample() in composite.h builds.</summary>
    public static CompositeRecord Sample(int items, Color kind)
    {
        var value = new CompositeRecord
        {
            I32 = -123456789,
            U32 = 4000000000u,
            I64 = -1234567890123456789L,
            U64 = 18000000000000000000UL,
            F32 = 3.25f,
            F64 = -2.5e-300,
            Flag = true,
            Kind = Color.Blue,
            Tag = [(byte)'t', (byte)'a', (byte)'g', 0, 0xff, 1],
            Blob = [.. "0123456789abcdefghij"u8, 0],
            Title = "composite title: été",
            FixedIntValues = [1000, 2000, 3000, 4000],
            Ints = [1, -1, 2, -2, 3, -3, 4],
            Shape = kind switch
            {
                Color.Red => new Circle(42),
                Color.Green => new Labelled("green label"),
                _ => new OtherShape(kind),
            },
        };
        Node? tail = null;
        for (int i = 0; i < items; i++)
        {
            var node = new Node((ulong)i * 0x0101010101UL, $"node-{i}");
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
