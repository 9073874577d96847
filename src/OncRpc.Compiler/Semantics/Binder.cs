using System;
using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Semantics;

/// <summary>
/// Resolves names and checks meaning: undefined and duplicate names, constant values and their
/// cycles, sizes, union discriminants and case labels, and types that could only be encoded by
/// an infinite value. Forward references are fine (rpcgen output is C, where they are not, but
/// the XDR language itself does not order definitions).
/// </summary>
internal sealed partial class Binder
{
    private readonly SpecificationSyntax _specification;
    private DiagnosticBag _diagnostics; // swapped for a scratch bag while trying %#define values
    private readonly Dictionary<string, DefinitionSyntax> _definitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (EnumSyntax Enum, EnumMemberSyntax Member)> _enumMembers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TypeSymbol> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long?> _constValues = new(StringComparer.Ordinal);
    private readonly HashSet<string> _evaluating = new(StringComparer.Ordinal);
    private readonly Dictionary<string, XdrType?> _typedefs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resolvingTypedefs = new(StringComparer.Ordinal);
    private readonly Dictionary<EnumSyntax, EnumSymbol> _enumSymbols = new();

    // rpcgen passes names it does not know to C, where <rpc/types.h> defines these; .x files in the
    // wild (nis_object.x: u_char) rely on that.
    private static readonly Dictionary<string, XdrType> s_builtinTypes = new(StringComparer.Ordinal)
    {
        ["u_int"] = PrimitiveType.UnsignedInt,
        ["u_long"] = PrimitiveType.UnsignedInt,
        ["u_short"] = PrimitiveType.UnsignedInt,
        ["u_char"] = PrimitiveType.UnsignedInt,
        ["bool_t"] = PrimitiveType.Bool,
        ["enum_t"] = PrimitiveType.Int,
        ["int32_t"] = PrimitiveType.Int,
        ["uint32_t"] = PrimitiveType.UnsignedInt,
        ["u_int32_t"] = PrimitiveType.UnsignedInt,
        ["int64_t"] = PrimitiveType.Hyper,
        ["uint64_t"] = PrimitiveType.UnsignedHyper,
        ["u_int64_t"] = PrimitiveType.UnsignedHyper,
        ["quad_t"] = PrimitiveType.Hyper,
        ["u_quad_t"] = PrimitiveType.UnsignedHyper,
        ["longlong_t"] = PrimitiveType.Hyper,
        ["u_longlong_t"] = PrimitiveType.UnsignedHyper,
        // libtirpc's <rpc/types.h>; its own rpcb_prot.x declares rpcb with them.
        ["rpcprog_t"] = PrimitiveType.UnsignedInt,
        ["rpcvers_t"] = PrimitiveType.UnsignedInt,
        ["rpcproc_t"] = PrimitiveType.UnsignedInt,
        ["rpcprot_t"] = PrimitiveType.UnsignedInt,
        ["rpcport_t"] = PrimitiveType.UnsignedInt,
        ["rpc_inline_t"] = PrimitiveType.Int,
        // <rpc/xdr.h>: xdr_netobj is opaque<MAX_NETOBJ_SZ>; <rpc/auth.h>: xdr_des_block is opaque[8].
        ["netobj"] = new OpaqueType(false, 1024),
        ["des_block"] = new OpaqueType(true, 8),
    };

    // C structs of those headers that .x files use, with their xdr_ routine's encoding supplied by
    // the runtime: libtirpc's rpcb_prot.x passes netbuf (<rpc/types.h>; xdr_netbuf: maxlen, then
    // the bytes) to TADDR2UADDR. ExternTypes can map the name to another type.
    private static readonly Dictionary<string, string> s_defaultExternTypes = new(StringComparer.Ordinal)
    {
        ["netbuf"] = "OncRpc.Rpcbind.NetBuffer",
    };

    // Constants from the C headers rpcgen output includes, which .x files use as sizes (key_prot.x).
    private static readonly Dictionary<string, long> s_builtinConstants = new(StringComparer.Ordinal)
    {
        ["TRUE"] = 1,
        ["FALSE"] = 0,
        ["MAXNETNAMELEN"] = 255, // <rpc/auth_des.h>
        ["MAX_NETOBJ_SZ"] = 1024, // <rpc/xdr.h>
    };

    private readonly IReadOnlyDictionary<DefinitionSyntax, string?> _outputFiles;
    private readonly IReadOnlyDictionary<string, string> _externTypes;

    /// <summary>Binds <paramref name="specification"/>: the definitions of every file compiled
    /// together. <paramref name="outputFiles"/> says which file's output declares each definition
    /// (absent: only read through <c>%#include</c>); <paramref name="externTypes"/> maps .x type
    /// names no file defines to C# types.</summary>
    public Binder(SpecificationSyntax specification, IReadOnlyDictionary<DefinitionSyntax, string?> outputFiles,
        IReadOnlyDictionary<string, string> externTypes, DiagnosticBag diagnostics)
    {
        _outputFiles = outputFiles;
        _externTypes = externTypes;
        _specification = specification;
        _diagnostics = diagnostics;
    }

    private string? OutputFileOf(DefinitionSyntax definition) => _outputFiles.TryGetValue(definition, out string? file) ? file : null;

    public IReadOnlyList<Symbol> Bind()
    {
        Declare();
        CheckExternTypes();
        var symbols = new List<Symbol>();
        foreach (DefinitionSyntax definition in _specification.Definitions)
        {
            switch (definition)
            {
                case ConstSyntax c when _definitions.TryGetValue(c.Name, out DefinitionSyntax? first) && ReferenceEquals(first, c):
                    symbols.Add(new ConstSymbol(c.Name, c.Value.StringLiteral is null ? EvaluateConst(c.Name, c.Location) ?? 0 : 0,
                        c.Location, OutputFileOf(c), c.Value.StringLiteral));
                    break;
                case EnumSyntax e when _enumSymbols.TryGetValue(e, out EnumSymbol? enumSymbol):
                    BindEnum(e, enumSymbol);
                    symbols.Add(enumSymbol);
                    break;
                case StructSyntax s when _types.TryGetValue(s.Name, out TypeSymbol? t) && t is StructSymbol structSymbol && ReferenceEquals(_definitions[s.Name], s):
                    BindStruct(s, structSymbol);
                    symbols.Add(structSymbol);
                    break;
                case UnionSyntax u when _types.TryGetValue(u.Name, out TypeSymbol? t) && t is UnionSymbol unionSymbol && ReferenceEquals(_definitions[u.Name], u):
                    BindUnion(u, unionSymbol);
                    symbols.Add(unionSymbol);
                    break;
                case TypedefSyntax t:
                    ResolveTypedef(t.Name, t.Location);
                    break;
                case ProgramSyntax p:
                    ProgramSymbol? program = BindProgram(p);
                    if (program is not null)
                    {
                        symbols.Add(program);
                    }
                    break;
            }
        }
        CheckPrograms(symbols);
        CheckRecursion(symbols);
        ComputeMinimumSizes(symbols);
        return symbols;
    }

    /// <summary>Registers every top-level name (and every enum member, which C makes global).</summary>
    private void Declare()
    {
        foreach (DefinitionSyntax definition in _specification.Definitions)
        {
            if (definition is ConstSyntax { IsImplicit: true } || IsSelfTypedef(definition))
            {
                continue;
            }
            // Program names are C macros too, so they share the one namespace with types and constants.
            if (!TryDeclare(definition.Name, definition.Location))
            {
                continue;
            }
            _definitions[definition.Name] = definition;
            switch (definition)
            {
                case EnumSyntax e:
                    var enumSymbol = new EnumSymbol(e.Name, e.Location, OutputFileOf(e));
                    _types[e.Name] = enumSymbol;
                    _enumSymbols[e] = enumSymbol;
                    foreach (EnumMemberSyntax member in e.Members)
                    {
                        if (TryDeclare(member.Name, member.Location))
                        {
                            _enumMembers[member.Name] = (e, member);
                        }
                    }
                    break;
                case StructSyntax s:
                    _types[s.Name] = new StructSymbol(s.Name, s.Location, OutputFileOf(s));
                    break;
                case UnionSyntax u:
                    _types[u.Name] = new UnionSymbol(u.Name, u.Location, OutputFileOf(u));
                    break;
                case ProgramSyntax p:
                    DeclareRpcNames(p);
                    break;
            }
        }
        DeclareImplicitConstants();
    }

    /// <summary><c>typedef struct foo foo;</c> is how C code gets the bare name; in XDR it says nothing.</summary>
    private static bool IsSelfTypedef(DefinitionSyntax definition) =>
        definition is TypedefSyntax { Declaration: { Kind: DeclarationKind.Plain, Type: { Kind: TypeKind.Named } type } declaration } &&
        type.Name == declaration.Name;

    /// <summary>Adds the <c>%#define</c> constants that do not clash with a real definition and that
    /// evaluate to an integer; the rest were C code only and are dropped without a word.</summary>
    private void DeclareImplicitConstants()
    {
        var candidates = new List<ConstSyntax>();
        foreach (DefinitionSyntax definition in _specification.Definitions)
        {
            if (definition is ConstSyntax { IsImplicit: true } c && !_declared.ContainsKey(c.Name) && !_definitions.ContainsKey(c.Name))
            {
                _definitions[c.Name] = c;
                candidates.Add(c);
            }
        }
        DiagnosticBag real = _diagnostics;
        _diagnostics = new DiagnosticBag();
        try
        {
            foreach (ConstSyntax c in candidates)
            {
                if (EvaluateConst(c.Name, c.Location) is null)
                {
                    _definitions.Remove(c.Name);
                    _constValues.Remove(c.Name);
                }
            }
        }
        finally
        {
            _diagnostics = real;
        }
        foreach (ConstSyntax c in candidates)
        {
            if (_definitions.ContainsKey(c.Name))
            {
                _declared[c.Name] = c.Location;
            }
        }
    }

    private readonly Dictionary<string, SourceLocation> _declared = new(StringComparer.Ordinal);

    private bool TryDeclare(string name, SourceLocation location)
    {
        if (_declared.TryGetValue(name, out SourceLocation previous))
        {
            _diagnostics.Report(DiagnosticDescriptors.DuplicateName, location, name, previous.ToString());
            return false;
        }
        _declared[name] = location;
        return true;
    }

    /// <summary>Evaluates a value; null (with a diagnostic) when it cannot be.</summary>
    private long? Evaluate(ValueSyntax value)
    {
        // Constants defined in terms of constants recurse; a pathological chain must end in a
        // diagnostic (InsufficientExecutionStackException, see XdrCompiler), not a crash.
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (value.Literal is long literal)
        {
            return literal;
        }
        if (value.StringLiteral is not null)
        {
            _diagnostics.Report(DiagnosticDescriptors.WrongKind, value.Location, value.Text, "a string", "an integer");
            return null;
        }
        if (value.Expression is not null)
        {
            var evaluator = new Lexing.ConditionEvaluator(new List<Lexing.Token>(value.Expression),
                token => Evaluate(ValueSyntax.FromName(token.Text, token.Location)));
            return evaluator.TryEvaluate(out long result, out _, out _) ? result : null;
        }
        string name = value.Name!;
        if (_definitions.TryGetValue(name, out DefinitionSyntax? definition))
        {
            if (definition is ConstSyntax constant)
            {
                if (constant.Value.StringLiteral is not null)
                {
                    _diagnostics.Report(DiagnosticDescriptors.WrongKind, value.Location, name, "a string constant", "an integer");
                    return null;
                }
                return EvaluateConst(name, value.Location);
            }
            if (definition is ProgramSyntax program)
            {
                return EvaluateRpcNumber(name, program.Number, "program", value.Location);
            }
            _diagnostics.Report(DiagnosticDescriptors.WrongKind, value.Location, name, Describe(definition), "a constant");
            return null;
        }
        if (_enumMembers.TryGetValue(name, out var member))
        {
            EnumSymbol symbol = _enumSymbols[member.Enum];
            BindEnum(member.Enum, symbol);
            foreach (EnumMemberSymbol m in symbol.Members)
            {
                if (m.Name == name)
                {
                    return m.Value;
                }
            }
            return null; // the member's own value was in error, already reported
        }
        if (s_builtinConstants.TryGetValue(name, out long builtin))
        {
            return builtin;
        }
        // Version and procedure names are C macros in rpcgen output (program names are handled
        // above): RFC 1833's rpcb_prot.x numbers RPCBPROC_BCAST with RPCBPROC_CALLIT, and libtirpc's
        // uses RPCBPROC_GETSTAT as a size before the program that defines it.
        if (_rpcNames.TryGetValue(name, out var rpc))
        {
            return EvaluateRpcNumber(name, rpc.Number, rpc.What, value.Location);
        }
        if (!System.Linq.Enumerable.Contains(_specification.BrokenNames, name))
        {
            _diagnostics.Report(DiagnosticDescriptors.UndefinedConstant, value.Location, name);
        }
        return null;
    }

    private long? EvaluateConst(string name, SourceLocation usedAt)
    {
        if (_constValues.TryGetValue(name, out long? known))
        {
            return known;
        }
        if (!_evaluating.Add(name))
        {
            _diagnostics.Report(DiagnosticDescriptors.ConstantCycle, usedAt, name);
            return null;
        }
        long? value = Evaluate(((ConstSyntax)_definitions[name]).Value);
        _evaluating.Remove(name);
        _constValues[name] = value;
        return value;
    }

    private static string Describe(DefinitionSyntax definition) => definition switch
    {
        ConstSyntax => "a constant",
        EnumSyntax => "an enum",
        StructSyntax => "a struct",
        UnionSyntax => "a union",
        TypedefSyntax => "a typedef",
        ProgramSyntax => "a program",
        _ => "a definition",
    };

    /// <summary>A size: 0 .. 2^32-1 (XDR lengths are unsigned ints); fixed sizes must also fit an
    /// array index (int) since they become .NET arrays.</summary>
    private uint? EvaluateSize(ValueSyntax value, bool isFixed)
    {
        long? size = Evaluate(value);
        if (size is null)
        {
            return null;
        }
        if (size < 0 || size > uint.MaxValue)
        {
            _diagnostics.Report(DiagnosticDescriptors.InvalidBound, value.Location, value.Text, "sizes must be between 0 and 4294967295");
            return null;
        }
        if (isFixed && size > int.MaxValue)
        {
            _diagnostics.Report(DiagnosticDescriptors.InvalidBound, value.Location, value.Text, "fixed sizes must be at most 2147483647");
            return null;
        }
        return (uint)size.Value;
    }

    private uint? EvaluateNumber(ValueSyntax value, string what)
    {
        long? number = Evaluate(value);
        if (number is null)
        {
            return null;
        }
        if (number < 0 || number > uint.MaxValue)
        {
            _diagnostics.Report(DiagnosticDescriptors.ValueOutOfRange, value.Location, what, value.Text, "0 to 4294967295");
            return null;
        }
        return (uint)number.Value;
    }
}
