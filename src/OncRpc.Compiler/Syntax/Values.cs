using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Syntax;

/// <summary>A constant as written: an integer literal (sign applied) or the name of a
/// <c>const</c> or enum member.</summary>
public sealed class ValueSyntax
{
    private ValueSyntax(long? literal, string? name, string text, SourceLocation location, string? stringLiteral = null,
        System.Collections.Generic.IReadOnlyList<Lexing.Token>? expression = null)
    {
        StringLiteral = stringLiteral;
        Expression = expression;
        Literal = literal;
        Name = name;
        Text = text;
        Location = location;
    }

    public static ValueSyntax FromLiteral(long value, string text, SourceLocation location) => new(value, null, text, location);

    public static ValueSyntax FromName(string name, SourceLocation location) => new(null, name, name, location);

    /// <summary>rpcgen extension: <c>const NAME = "text";</c> (key_prot.x). Not usable as a size.</summary>
    public static ValueSyntax FromString(string text, SourceLocation location) => new(null, null, "\"" + text + "\"", location, text);

    /// <summary>A C expression from a <c>%#define</c> pass-through line, evaluated by the binder.</summary>
    public static ValueSyntax FromExpression(System.Collections.Generic.IReadOnlyList<Lexing.Token> tokens, string text, SourceLocation location) =>
        new(null, null, text, location, null, tokens);

    public string? StringLiteral { get; }

    public System.Collections.Generic.IReadOnlyList<Lexing.Token>? Expression { get; }

    public long? Literal { get; }

    public string? Name { get; }

    /// <summary>As written in the source (for messages).</summary>
    public string Text { get; }

    public SourceLocation Location { get; }

    public override string ToString() => Text;
}

/// <summary>Built-in and named types a declaration can use.</summary>
public enum TypeKind
{
    Int,
    UnsignedInt,
    Hyper,
    UnsignedHyper,
    Float,
    Double,
    Quadruple,
    Bool,
    String,
    Opaque,
    Named,
}

/// <summary>The type part of a declaration.</summary>
public sealed class TypeSyntax
{
    public TypeSyntax(TypeKind kind, SourceLocation location, string? name = null)
    {
        Kind = kind;
        Location = location;
        Name = name;
    }

    public TypeKind Kind { get; }

    public SourceLocation Location { get; }

    /// <summary>The type name for <see cref="TypeKind.Named"/>.</summary>
    public string? Name { get; }

    public override string ToString() => Kind == TypeKind.Named ? Name ?? "?" : Kind.ToString();
}

/// <summary>How a declaration shapes its type (RFC 4506 §6.3 "declaration").</summary>
public enum DeclarationKind
{
    Void,
    Plain,
    Optional,
    FixedArray,
    VariableArray,
}

/// <summary><c>type name</c>, <c>type name[n]</c>, <c>type name&lt;n&gt;</c>, <c>type *name</c> or <c>void</c>.</summary>
public sealed class DeclarationSyntax
{
    public DeclarationSyntax(DeclarationKind kind, TypeSyntax? type, string? name, ValueSyntax? size, SourceLocation location)
    {
        Kind = kind;
        Type = type;
        Name = name;
        Size = size;
        Location = location;
    }

    public DeclarationKind Kind { get; }

    /// <summary>Null only for <see cref="DeclarationKind.Void"/>.</summary>
    public TypeSyntax? Type { get; }

    /// <summary>Null only for <see cref="DeclarationKind.Void"/>.</summary>
    public string? Name { get; }

    /// <summary>The fixed length, or the maximum of a variable array; null for <c>&lt;&gt;</c>.</summary>
    public ValueSyntax? Size { get; }

    public SourceLocation Location { get; }
}
