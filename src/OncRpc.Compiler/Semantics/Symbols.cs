using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Semantics;

/// <summary>Something defined in a .x file.</summary>
public abstract class Symbol
{
    protected Symbol(string name, SourceLocation location, string? outputFile)
    {
        Name = name;
        Location = location;
        OutputFile = outputFile;
    }

    /// <summary>The original .x name.</summary>
    public string Name { get; }

    public SourceLocation Location { get; }

    /// <summary>The file of the compilation whose output declares this symbol: the .x file it is
    /// written in, or the one that <c>#include</c>s it. Null for a definition only read through a
    /// <c>%#include</c> of another .x file's header, which that file's own output declares.</summary>
    public string? OutputFile { get; }
}

public sealed class ConstSymbol : Symbol
{
    public ConstSymbol(string name, long value, SourceLocation location, string? outputFile, string? stringValue = null) : base(name, location, outputFile)
    {
        Value = value;
        StringValue = stringValue;
    }

    public long Value { get; }

    /// <summary>Set for string constants (rpcgen extension), whose <see cref="Value"/> is 0.</summary>
    public string? StringValue { get; }
}

/// <summary>An enum, struct or union: types that become C# types.</summary>
public abstract class TypeSymbol : Symbol
{
    protected TypeSymbol(string name, SourceLocation location, string? outputFile) : base(name, location, outputFile)
    {
    }

    internal int MinimumSizeCache = -1;

    public int MinimumSize => MinimumSizeCache < 0 ? 4 : MinimumSizeCache;
}

public sealed class EnumMemberSymbol
{
    public EnumMemberSymbol(string name, int value, SourceLocation location)
    {
        Name = name;
        Value = value;
        Location = location;
    }

    public string Name { get; }

    public int Value { get; }

    public SourceLocation Location { get; }
}

public sealed class EnumSymbol : TypeSymbol
{
    public EnumSymbol(string name, SourceLocation location, string? outputFile) : base(name, location, outputFile) => MinimumSizeCache = 4;

    public List<EnumMemberSymbol> Members { get; } = new();
}

/// <summary>A struct field or union arm body.</summary>
public sealed class FieldSymbol
{
    public FieldSymbol(string name, XdrType type, SourceLocation location)
    {
        Name = name;
        Type = type;
        Location = location;
    }

    public string Name { get; }

    public XdrType Type { get; }

    public SourceLocation Location { get; }
}

public sealed class StructSymbol : TypeSymbol
{
    public StructSymbol(string name, SourceLocation location, string? outputFile) : base(name, location, outputFile)
    {
    }

    public List<FieldSymbol> Fields { get; } = new();
}

/// <summary>A case label: its value, and the enum member name when it was written as one.</summary>
public sealed class CaseLabel
{
    public CaseLabel(long value, string? memberName, SourceLocation location)
    {
        Value = value;
        MemberName = memberName;
        Location = location;
    }

    public long Value { get; }

    public string? MemberName { get; }

    public SourceLocation Location { get; }
}

public sealed class UnionArmSymbol
{
    public UnionArmSymbol(IReadOnlyList<CaseLabel> labels, FieldSymbol? body, SourceLocation location)
    {
        Labels = labels;
        Body = body;
        Location = location;
    }

    /// <summary>Empty for the default arm.</summary>
    public IReadOnlyList<CaseLabel> Labels { get; }

    /// <summary>Null for a void arm.</summary>
    public FieldSymbol? Body { get; }

    public SourceLocation Location { get; }
}

public sealed class UnionSymbol : TypeSymbol
{
    public UnionSymbol(string name, SourceLocation location, string? outputFile) : base(name, location, outputFile)
    {
    }

    /// <summary>Resolved to int, unsigned int, bool or an enum.</summary>
    public FieldSymbol Discriminant { get; internal set; } = new("discriminant", PrimitiveType.Int, SourceLocation.None);

    public List<UnionArmSymbol> Arms { get; } = new();

    public UnionArmSymbol? Default { get; internal set; }
}

public sealed class ProcedureSymbol
{
    public ProcedureSymbol(string name, uint number, IReadOnlyList<XdrType> arguments, IReadOnlyList<string?> argumentTypeNames, XdrType? result, SourceLocation location,
        CallSemantics? declaredSemantics = null)
    {
        ArgumentTypeNames = argumentTypeNames;
        Name = name;
        Number = number;
        Arguments = arguments;
        Result = result;
        Location = location;
        DeclaredSemantics = declaredSemantics;
    }

    public string Name { get; }

    public uint Number { get; }

    /// <summary>Empty for void.</summary>
    public IReadOnlyList<XdrType> Arguments { get; }

    /// <summary>The type names the arguments were written with (null for built-ins), for parameter names.</summary>
    public IReadOnlyList<string?> ArgumentTypeNames { get; }

    /// <summary>Null for void.</summary>
    public XdrType? Result { get; }

    public SourceLocation Location { get; }

    /// <summary>The semantics the .x file declares for the procedure, or null when it declares none.
    /// Kept apart from <see cref="Semantics"/> because a declared default still goes into the docs.</summary>
    public CallSemantics? DeclaredSemantics { get; }

    /// <summary>What the procedure promises: as declared, else at-least-once (every classic service's behavior).</summary>
    public CallSemantics Semantics => DeclaredSemantics ?? CallSemantics.AtLeastOnce;
}

public sealed class VersionSymbol
{
    public VersionSymbol(string name, uint number, SourceLocation location)
    {
        Name = name;
        Number = number;
        Location = location;
    }

    public string Name { get; }

    public uint Number { get; }

    public SourceLocation Location { get; }

    public List<ProcedureSymbol> Procedures { get; } = new();
}

public sealed class ProgramSymbol : Symbol
{
    public ProgramSymbol(string name, uint number, SourceLocation location, string? outputFile) : base(name, location, outputFile) => Number = number;

    public uint Number { get; }

    public List<VersionSymbol> Versions { get; } = new();
}

/// <summary>The checked meaning of a specification, in definition order. Files compiled together
/// share one list of symbols: each file's model differs only in <see cref="MainFile"/>.</summary>
public sealed class SemanticModel
{
    public SemanticModel(string mainFile, IReadOnlyList<Symbol> symbols)
    {
        MainFile = mainFile;
        Symbols = symbols;
    }

    public string MainFile { get; }

    /// <summary>Every symbol of the compilation: this file's, those it reads, and those of the
    /// files compiled with it.</summary>
    public IReadOnlyList<Symbol> Symbols { get; }

    /// <summary>True when this file's output declares <paramref name="symbol"/>.</summary>
    public bool Declares(Symbol symbol) => symbol.OutputFile == MainFile;
}
