namespace OncRpc.Xdr.Tests.Composite;

/// <summary><c>enum color { RED = 0, GREEN = 1, BLUE = 2 };</c> (tests/TestData/xdr/composite.h).</summary>
public enum Color
{
    Red = 0,
    Green = 1,
    Blue = 2,
}

/// <summary>
/// <c>union shape switch (color kind) { case RED: int radius; case GREEN: string label&lt;64&gt;; default: void; }</c>,
/// written the way the generator shapes unions: an abstract base and one sealed type per arm.
/// </summary>
public abstract record Shape : IXdrSerializable<Shape>
{
    public const uint MaxLabel = 64;

    public abstract Color Kind { get; }

    public static Shape ReadFrom(ref XdrReader reader)
    {
        int kind = reader.ReadEnum();
        // RFC 4506 §4.3: an enum holds only its declared values; the discriminant is an enum.
        if ((uint)kind > (uint)Color.Blue)
        {
            throw XdrGeneratedCode.UndeclaredEnum(in reader, "color", kind);
        }
        return (Color)kind switch
        {
            Color.Red => new Circle(reader.ReadInt32()),
            Color.Green => new Labelled(reader.ReadString(MaxLabel)),
            _ => new OtherShape((Color)kind),
        };
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteEnum((int)Kind);
        WriteArm(ref writer);
    }

    protected abstract void WriteArm(ref XdrWriter writer);
}

/// <summary>The RED arm.</summary>
public sealed record Circle(int Radius) : Shape
{
    public override Color Kind => Color.Red;

    protected override void WriteArm(ref XdrWriter writer) => writer.WriteInt32(Radius);
}

/// <summary>The GREEN arm.</summary>
public sealed record Labelled(string Label) : Shape
{
    public override Color Kind => Color.Green;

    protected override void WriteArm(ref XdrWriter writer) => writer.WriteString(Label, MaxLabel);
}

/// <summary>The default arm (void), carrying its discriminant.</summary>
public sealed record OtherShape(Color Discriminant) : Shape
{
    public override Color Kind => Discriminant;

    protected override void WriteArm(ref XdrWriter writer)
    {
    }
}

/// <summary><c>struct node { unsigned hyper id; string name&lt;32&gt;; node *next; };</c></summary>
public sealed class Node(ulong id, string name)
{
    public const uint MaxName = 32;

    public ulong Id { get; } = id;

    public string Name { get; } = name;

    public Node? Next { get; set; }
}
