using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.Programs;

// Hand-written XDR types for interop.x, exactly as rpcgen lays them out, so the interop tests
// do not depend on the compiler. Equality is by encoding: compare XdrSerializer.ToArray of
// both sides (that is also what "byte for byte" means).

/// <summary><c>enum color { RED = 0, GREEN = 1, BLUE = 2, BLACK = -1 };</c></summary>
public enum Color
{
    Red = 0,
    Green = 1,
    Blue = 2,
    Black = -1,
}

/// <summary><c>color</c> as a procedure argument or result.</summary>
public readonly record struct XdrColor(Color Value) : IXdrSerializable<XdrColor>
{
    public static XdrColor ReadFrom(ref XdrReader reader) => new((Color)reader.ReadEnum());
    public void WriteTo(ref XdrWriter writer) => writer.WriteEnum((int)Value);
}

/// <summary><c>struct scalars</c>: every fixed-size XDR type.</summary>
public sealed class Scalars : IXdrSerializable<Scalars>
{
    /// <summary>Smallest encoding, for array length checks.</summary>
    public const int MinSize = 44;

    public int I { get; init; }
    public uint U { get; init; }
    public long H { get; init; }
    public ulong Uh { get; init; }
    public float F { get; init; }
    public double D { get; init; }
    public bool B { get; init; }
    public Color C { get; init; }

    public static Scalars ReadFrom(ref XdrReader reader) => new()
    {
        I = reader.ReadInt32(),
        U = reader.ReadUInt32(),
        H = reader.ReadInt64(),
        Uh = reader.ReadUInt64(),
        F = reader.ReadSingle(),
        D = reader.ReadDouble(),
        B = reader.ReadBool(),
        C = (Color)reader.ReadEnum(),
    };

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteInt32(I);
        writer.WriteUInt32(U);
        writer.WriteInt64(H);
        writer.WriteUInt64(Uh);
        writer.WriteSingle(F);
        writer.WriteDouble(D);
        writer.WriteBool(B);
        writer.WriteEnum((int)C);
    }

    /// <summary>The same values interop_clnt's sample_scalars(k) builds.</summary>
    public static Scalars Sample(int k) => new()
    {
        I = k == 0 ? int.MinValue : -12345 * k,
        U = k == 0 ? uint.MaxValue : 0x80000000u + (uint)k,
        H = k == 0 ? long.MinValue : 0x0123456789abcdefL * -k,
        Uh = k == 0 ? ulong.MaxValue : 0xfedcba9876543210UL + (ulong)k,
        F = k == 0 ? -0.0f : 1.5f * k,
        D = k == 0 ? Math.PI : -2.25 * k,
        B = k % 2 == 0,
        C = k % 2 == 0 ? Color.Black : Color.Blue,
    };
}

/// <summary><c>struct blobs</c>: fixed/variable/unbounded opaque, bounded/unbounded string,
/// fixed/variable arrays, an array of structs.</summary>
public sealed class Blobs : IXdrSerializable<Blobs>
{
    public byte[] FixedOp { get; init; } = new byte[InteropProgram.FixedOpaque];
    public byte[] VarOp { get; init; } = [];
    public byte[] UnbOp { get; init; } = [];
    public string Name { get; init; } = "";
    public string Text { get; init; } = "";
    public int[] FixedArr { get; init; } = new int[InteropProgram.FixedArray];
    public int[] VarArr { get; init; } = [];
    public Scalars[] Many { get; init; } = [];

    public static Blobs ReadFrom(ref XdrReader reader)
    {
        var fixedOp = reader.ReadFixedOpaque(InteropProgram.FixedOpaque);
        var varOp = reader.ReadOpaque(InteropProgram.MaxOpaque);
        var unbOp = reader.ReadOpaque();
        var name = reader.ReadString(InteropProgram.MaxName);
        var text = reader.ReadString();
        var fixedArr = new int[InteropProgram.FixedArray];
        for (var i = 0; i < fixedArr.Length; i++)
        {
            fixedArr[i] = reader.ReadInt32();
        }
        var varArr = new int[reader.ReadArrayLength(InteropProgram.MaxArray, 4)];
        for (var i = 0; i < varArr.Length; i++)
        {
            varArr[i] = reader.ReadInt32();
        }
        var many = new Scalars[reader.ReadArrayLength(uint.MaxValue, Scalars.MinSize)];
        for (var i = 0; i < many.Length; i++)
        {
            many[i] = Scalars.ReadFrom(ref reader);
        }
        return new Blobs
        {
            FixedOp = fixedOp, VarOp = varOp, UnbOp = unbOp, Name = name, Text = text,
            FixedArr = fixedArr, VarArr = varArr, Many = many,
        };
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteFixedOpaque(FixedOp, InteropProgram.FixedOpaque);
        writer.WriteOpaque(VarOp, InteropProgram.MaxOpaque);
        writer.WriteOpaque(UnbOp);
        writer.WriteString(Name, InteropProgram.MaxName);
        writer.WriteString(Text);
        if (FixedArr.Length != InteropProgram.FixedArray)
        {
            throw new InvalidOperationException($"fixed_arr needs exactly {InteropProgram.FixedArray} elements");
        }
        foreach (var v in FixedArr)
        {
            writer.WriteInt32(v);
        }
        writer.WriteLength(VarArr.Length, InteropProgram.MaxArray);
        foreach (var v in VarArr)
        {
            writer.WriteInt32(v);
        }
        writer.WriteLength(Many.Length);
        foreach (var s in Many)
        {
            s.WriteTo(ref writer);
        }
    }
}

/// <summary><c>union choice switch (int kind)</c>: 1 and 2 share an int arm, 3 a string,
/// 4 a struct, 5 is void, anything else a hyper.</summary>
public sealed class Choice : IXdrSerializable<Choice>
{
    public int Kind { get; init; }
    public int Number { get; init; }
    public string Text { get; init; } = "";
    public Scalars Values { get; init; } = new();
    public long Other { get; init; }

    public static Choice OfNumber(int kind, int number) => kind is 1 or 2
        ? new() { Kind = kind, Number = number }
        : throw new ArgumentOutOfRangeException(nameof(kind));

    public static Choice OfText(string text) => new() { Kind = 3, Text = text };
    public static Choice OfValues(Scalars values) => new() { Kind = 4, Values = values };
    public static Choice OfVoid() => new() { Kind = 5 };
    public static Choice OfOther(int kind, long other) => kind is >= 1 and <= 5
        ? throw new ArgumentOutOfRangeException(nameof(kind))
        : new() { Kind = kind, Other = other };

    public static Choice ReadFrom(ref XdrReader reader)
    {
        var kind = reader.ReadInt32();
        return kind switch
        {
            1 or 2 => new Choice { Kind = kind, Number = reader.ReadInt32() },
            3 => new Choice { Kind = kind, Text = reader.ReadString() },
            4 => new Choice { Kind = kind, Values = Scalars.ReadFrom(ref reader) },
            5 => new Choice { Kind = kind },
            _ => new Choice { Kind = kind, Other = reader.ReadInt64() },
        };
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteInt32(Kind);
        switch (Kind)
        {
            case 1:
            case 2:
                writer.WriteInt32(Number);
                break;
            case 3:
                writer.WriteString(Text);
                break;
            case 4:
                Values.WriteTo(ref writer);
                break;
            case 5:
                break;
            default:
                writer.WriteInt64(Other);
                break;
        }
    }
}

/// <summary><c>union painted switch (color c)</c>: RED an int, GREEN/BLUE a string, default void.</summary>
public sealed class Painted : IXdrSerializable<Painted>
{
    public Color C { get; init; }
    public int Level { get; init; }
    public string Label { get; init; } = "";

    public static Painted ReadFrom(ref XdrReader reader)
    {
        var c = (Color)reader.ReadEnum();
        return c switch
        {
            Color.Red => new Painted { C = c, Level = reader.ReadInt32() },
            Color.Green or Color.Blue => new Painted { C = c, Label = reader.ReadString() },
            _ => new Painted { C = c },
        };
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteEnum((int)C);
        switch (C)
        {
            case Color.Red:
                writer.WriteInt32(Level);
                break;
            case Color.Green:
            case Color.Blue:
                writer.WriteString(Label);
                break;
        }
    }
}

/// <summary><c>node *</c> (and <c>struct list { node *head; }</c>, the same bytes): a linked
/// list of <c>struct node { int value; node *next; }</c>. Coded in a loop, not recursively,
/// so a long list cannot exhaust the stack.</summary>
public sealed class NodeList : IXdrSerializable<NodeList>
{
    public IReadOnlyList<int> Values { get; init; } = [];

    public static NodeList ReadFrom(ref XdrReader reader)
    {
        var values = new List<int>();
        while (reader.ReadOptionalFlag())
        {
            values.Add(reader.ReadInt32());
        }
        return new NodeList { Values = values };
    }

    public void WriteTo(ref XdrWriter writer)
    {
        foreach (var v in Values)
        {
            writer.WriteOptionalFlag(true);
            writer.WriteInt32(v);
        }
        writer.WriteOptionalFlag(false);
    }

    /// <summary>The values interop_clnt's make_list(n) builds: i * 3 - 7.</summary>
    public static NodeList Sample(int count) => new() { Values = [.. Enumerable.Range(0, count).Select(i => (i * 3) - 7)] };
}

/// <summary><c>struct record</c>: everything together (named so it does not clash with xunit's Record).</summary>
public sealed class InteropRecord : IXdrSerializable<InteropRecord>
{
    public Scalars S { get; init; } = new();
    public Blobs B { get; init; } = new();
    public Choice Ch { get; init; } = Choice.OfVoid();
    public Painted P { get; init; } = new() { C = Color.Black };
    public NodeList List { get; init; } = new();
    public Color[] Palette { get; init; } = [];
    public Choice[] Choices { get; init; } = [];

    public static InteropRecord ReadFrom(ref XdrReader reader)
    {
        var s = Scalars.ReadFrom(ref reader);
        var b = Blobs.ReadFrom(ref reader);
        var ch = Choice.ReadFrom(ref reader);
        var p = Painted.ReadFrom(ref reader);
        var list = NodeList.ReadFrom(ref reader);
        var palette = new Color[reader.ReadArrayLength(uint.MaxValue, 4)];
        for (var i = 0; i < palette.Length; i++)
        {
            palette[i] = (Color)reader.ReadEnum();
        }
        var choices = new Choice[reader.ReadArrayLength(uint.MaxValue, 4)];
        for (var i = 0; i < choices.Length; i++)
        {
            choices[i] = Choice.ReadFrom(ref reader);
        }
        return new InteropRecord { S = s, B = b, Ch = ch, P = p, List = list, Palette = palette, Choices = choices };
    }

    public void WriteTo(ref XdrWriter writer)
    {
        S.WriteTo(ref writer);
        B.WriteTo(ref writer);
        Ch.WriteTo(ref writer);
        P.WriteTo(ref writer);
        List.WriteTo(ref writer);
        writer.WriteLength(Palette.Length);
        foreach (var c in Palette)
        {
            writer.WriteEnum((int)c);
        }
        writer.WriteLength(Choices.Length);
        foreach (var c in Choices)
        {
            c.WriteTo(ref writer);
        }
    }
}

/// <summary><c>struct creds</c>: what WHOAMI reports of the caller's credentials.</summary>
public sealed class Creds : IXdrSerializable<Creds>
{
    public int Flavor { get; init; }
    public uint Stamp { get; init; }
    public string Machine { get; init; } = "";
    public uint Uid { get; init; }
    public uint Gid { get; init; }
    public uint[] Gids { get; init; } = [];

    public static Creds ReadFrom(ref XdrReader reader)
    {
        var flavor = reader.ReadInt32();
        var stamp = reader.ReadUInt32();
        var machine = reader.ReadString();
        var uid = reader.ReadUInt32();
        var gid = reader.ReadUInt32();
        var gids = new uint[reader.ReadArrayLength(uint.MaxValue, 4)];
        for (var i = 0; i < gids.Length; i++)
        {
            gids[i] = reader.ReadUInt32();
        }
        return new Creds { Flavor = flavor, Stamp = stamp, Machine = machine, Uid = uid, Gid = gid, Gids = gids };
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteInt32(Flavor);
        writer.WriteUInt32(Stamp);
        writer.WriteString(Machine);
        writer.WriteUInt32(Uid);
        writer.WriteUInt32(Gid);
        writer.WriteLength(Gids.Length);
        foreach (var g in Gids)
        {
            writer.WriteUInt32(g);
        }
    }
}

/// <summary>Arguments no interop server can decode as <c>blobs</c>: the fixed opaque, then a
/// var_op&lt;16&gt; that claims 1000 bytes. GARBAGE_ARGS on TCP and UDP alike.</summary>
public readonly record struct GarbageBlobs : IXdrSerializable<GarbageBlobs>
{
    public static GarbageBlobs ReadFrom(ref XdrReader reader) =>
        throw new NotSupportedException("GarbageBlobs is only ever sent");

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteFixedOpaque(new byte[InteropProgram.FixedOpaque]);
        writer.WriteUInt32(1000);
    }
}
