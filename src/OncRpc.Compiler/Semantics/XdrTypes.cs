namespace OncRpc.Compiler.Semantics;

/// <summary>A resolved XDR type: typedefs are gone (replaced by what they name), sizes are numbers.</summary>
public abstract class XdrType
{
    /// <summary>The fewest bytes one value can take on the wire, used for the
    /// "check the count against the bytes left before allocating" rule.</summary>
    public abstract int MinimumSize { get; }

    /// <summary>How many arrays and optionals wrap the innermost type (each becomes a nested loop).</summary>
    public virtual int Depth => 0;
}

public enum PrimitiveKind
{
    Int,
    UnsignedInt,
    Hyper,
    UnsignedHyper,
    Float,
    Double,
    Quadruple,
    Bool,
}

public sealed class PrimitiveType : XdrType
{
    private PrimitiveType(PrimitiveKind kind) => Kind = kind;

    public PrimitiveKind Kind { get; }

    public override int MinimumSize => Kind switch
    {
        PrimitiveKind.Hyper or PrimitiveKind.UnsignedHyper or PrimitiveKind.Double => 8,
        PrimitiveKind.Quadruple => 16,
        _ => 4,
    };

    public static readonly PrimitiveType Int = new(PrimitiveKind.Int);
    public static readonly PrimitiveType UnsignedInt = new(PrimitiveKind.UnsignedInt);
    public static readonly PrimitiveType Hyper = new(PrimitiveKind.Hyper);
    public static readonly PrimitiveType UnsignedHyper = new(PrimitiveKind.UnsignedHyper);
    public static readonly PrimitiveType Float = new(PrimitiveKind.Float);
    public static readonly PrimitiveType Double = new(PrimitiveKind.Double);
    public static readonly PrimitiveType Quadruple = new(PrimitiveKind.Quadruple);
    public static readonly PrimitiveType Bool = new(PrimitiveKind.Bool);
}

/// <summary><c>string&lt;max&gt;</c>; <see cref="Max"/> is null for <c>string&lt;&gt;</c>.</summary>
public sealed class StringType : XdrType
{
    public StringType(uint? max) => Max = max;

    public uint? Max { get; }

    public override int MinimumSize => 4;
}

/// <summary><c>opaque[n]</c> (fixed) or <c>opaque&lt;max&gt;</c>.</summary>
public sealed class OpaqueType : XdrType
{
    public OpaqueType(bool isFixed, uint? size)
    {
        IsFixed = isFixed;
        Size = size;
    }

    public bool IsFixed { get; }

    /// <summary>The fixed length, or the maximum (null: unbounded).</summary>
    public uint? Size { get; }

    public override int MinimumSize => IsFixed ? (int)(((Size ?? 0) + 3) / 4 * 4) : 4;
}

/// <summary><c>T name[n]</c> or <c>T name&lt;max&gt;</c>.</summary>
public sealed class ArrayType : XdrType
{
    public ArrayType(XdrType element, bool isFixed, uint? size)
    {
        Element = element;
        IsFixed = isFixed;
        Size = size;
    }

    public XdrType Element { get; }

    public bool IsFixed { get; }

    public uint? Size { get; }

    public override int MinimumSize => IsFixed ? (int)System.Math.Min(int.MaxValue, (long)(Size ?? 0) * Element.MinimumSize) : 4;

    public override int Depth => Element.Depth + 1;
}

/// <summary><c>T *name</c>: optional-data, RFC 4506 §4.19.</summary>
public sealed class OptionalType : XdrType
{
    public OptionalType(XdrType element) => Element = element;

    public XdrType Element { get; }

    public override int MinimumSize => 4;

    public override int Depth => Element.Depth + 1;
}

/// <summary>A reference to a user-defined enum, struct or union.</summary>
public sealed class NamedType : XdrType
{
    public NamedType(TypeSymbol symbol) => Symbol = symbol;

    public TypeSymbol Symbol { get; }

    // Resolved lazily: a struct's minimum depends on its fields, which may be declared later.
    public override int MinimumSize => Symbol.MinimumSize;
}

/// <summary>A type no .x file defines, supplied as a C# type implementing
/// <c>IXdrSerializable&lt;T&gt;</c> (the ExternTypes option): the compiler knows only its name.</summary>
public sealed class ExternType : XdrType
{
    public ExternType(string name, string csharpType)
    {
        Name = name;
        CSharpType = csharpType;
    }

    /// <summary>The .x name.</summary>
    public string Name { get; }

    /// <summary>The C# type, fully qualified, without <c>global::</c>.</summary>
    public string CSharpType { get; }

    // Its encoding is unknown here: no bytes can be promised (XDR allows empty structs).
    public override int MinimumSize => 0;
}
