using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Syntax;

/// <summary>A whole preprocessed input: the main file's definitions and those it included.</summary>
public sealed class SpecificationSyntax
{
    public SpecificationSyntax(string mainFile, IReadOnlyList<DefinitionSyntax> definitions, IReadOnlyCollection<string>? importedFiles = null,
        IReadOnlyCollection<string>? brokenNames = null)
    {
        BrokenNames = brokenNames ?? new string[0];
        MainFile = mainFile;
        Definitions = definitions;
        ImportedFiles = importedFiles ?? new string[0];
    }

    public string MainFile { get; }

    /// <summary>Files whose definitions are used but not generated (read through <c>%#include</c>).
    /// Definitions from a plain <c>#include</c> are generated, as rpcgen does.</summary>
    public IReadOnlyCollection<string> ImportedFiles { get; }

    public IReadOnlyList<DefinitionSyntax> Definitions { get; }

    /// <summary>Names of definitions that failed to parse (see the parser's recovery).</summary>
    public IReadOnlyCollection<string> BrokenNames { get; }
}

/// <summary>A top-level definition.</summary>
public abstract class DefinitionSyntax
{
    protected DefinitionSyntax(string name, SourceLocation location)
    {
        Name = name;
        Location = location;
    }

    /// <summary>The name as written in the .x file (or synthesized for an inline anonymous type).</summary>
    public string Name { get; }

    public SourceLocation Location { get; }
}

public sealed class ConstSyntax : DefinitionSyntax
{
    public ConstSyntax(string name, ValueSyntax value, SourceLocation location, bool isImplicit = false) : base(name, location)
    {
        Value = value;
        IsImplicit = isImplicit;
    }

    public ValueSyntax Value { get; }

    /// <summary>From a <c>%#define NAME value</c> pass-through line: C code to rpcgen, but .x files
    /// use such names as sizes (nlm_prot.x: LM_MAXSTRLEN), so they are honored when they evaluate
    /// to an integer, and yield silently to real definitions.</summary>
    public bool IsImplicit { get; }
}

public sealed class EnumMemberSyntax
{
    public EnumMemberSyntax(string name, ValueSyntax? value, SourceLocation location)
    {
        Name = name;
        Value = value;
        Location = location;
    }

    public string Name { get; }

    /// <summary>Null when omitted (rpcgen extension: previous value + 1).</summary>
    public ValueSyntax? Value { get; }

    public SourceLocation Location { get; }
}

public sealed class EnumSyntax : DefinitionSyntax
{
    public EnumSyntax(string name, IReadOnlyList<EnumMemberSyntax> members, SourceLocation location) : base(name, location) => Members = members;

    public IReadOnlyList<EnumMemberSyntax> Members { get; }
}

public sealed class StructSyntax : DefinitionSyntax
{
    public StructSyntax(string name, IReadOnlyList<DeclarationSyntax> fields, SourceLocation location) : base(name, location) => Fields = fields;

    public IReadOnlyList<DeclarationSyntax> Fields { get; }
}

/// <summary>One arm: its case labels (empty for <c>default</c>) and its declaration.</summary>
public sealed class UnionArmSyntax
{
    public UnionArmSyntax(IReadOnlyList<ValueSyntax> labels, DeclarationSyntax body, SourceLocation location)
    {
        Labels = labels;
        Body = body;
        Location = location;
    }

    public IReadOnlyList<ValueSyntax> Labels { get; }

    public DeclarationSyntax Body { get; }

    public SourceLocation Location { get; }
}

public sealed class UnionSyntax : DefinitionSyntax
{
    public UnionSyntax(string name, DeclarationSyntax discriminant, IReadOnlyList<UnionArmSyntax> arms, UnionArmSyntax? defaultArm, SourceLocation location)
        : base(name, location)
    {
        Discriminant = discriminant;
        Arms = arms;
        Default = defaultArm;
    }

    public DeclarationSyntax Discriminant { get; }

    public IReadOnlyList<UnionArmSyntax> Arms { get; }

    public UnionArmSyntax? Default { get; }
}

public sealed class TypedefSyntax : DefinitionSyntax
{
    public TypedefSyntax(DeclarationSyntax declaration, SourceLocation location) : base(declaration.Name ?? string.Empty, location) =>
        Declaration = declaration;

    public DeclarationSyntax Declaration { get; }
}

public sealed class ProcedureSyntax
{
    public ProcedureSyntax(string name, TypeSyntax? result, IReadOnlyList<TypeSyntax> arguments, ValueSyntax number, SourceLocation location,
        CallSemanticsSyntax? semantics = null)
    {
        Name = name;
        Result = result;
        Arguments = arguments;
        Number = number;
        Location = location;
        Semantics = semantics;
    }

    public string Name { get; }

    /// <summary>Null for <c>void</c>.</summary>
    public TypeSyntax? Result { get; }

    /// <summary>Empty for <c>void</c>; several with rpcgen -N style multiple arguments.</summary>
    public IReadOnlyList<TypeSyntax> Arguments { get; }

    public ValueSyntax Number { get; }

    public SourceLocation Location { get; }

    /// <summary>The call-semantics comment next to the procedure, or null when it has none.</summary>
    public CallSemanticsSyntax? Semantics { get; }
}

public sealed class VersionSyntax
{
    public VersionSyntax(string name, IReadOnlyList<ProcedureSyntax> procedures, ValueSyntax number, SourceLocation location)
    {
        Name = name;
        Procedures = procedures;
        Number = number;
        Location = location;
    }

    public string Name { get; }

    public IReadOnlyList<ProcedureSyntax> Procedures { get; }

    public ValueSyntax Number { get; }

    public SourceLocation Location { get; }
}

public sealed class ProgramSyntax : DefinitionSyntax
{
    public ProgramSyntax(string name, IReadOnlyList<VersionSyntax> versions, ValueSyntax number, SourceLocation location) : base(name, location)
    {
        Versions = versions;
        Number = number;
    }

    public IReadOnlyList<VersionSyntax> Versions { get; }

    public ValueSyntax Number { get; }
}
