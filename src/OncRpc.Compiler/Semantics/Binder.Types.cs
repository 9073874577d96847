using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Semantics;

internal sealed partial class Binder
{
    private readonly HashSet<EnumSymbol> _boundEnums = new();

    private void BindEnum(EnumSyntax syntax, EnumSymbol symbol)
    {
        // Members are bound once; a member whose value names a later member of the same enum
        // sees it missing and reports a cycle instead of recursing forever.
        if (!_boundEnums.Add(symbol))
        {
            return;
        }
        long next = 0;
        var seen = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (EnumMemberSyntax member in syntax.Members)
        {
            if (!seen.Add(member.Name) || !_enumMembers.TryGetValue(member.Name, out var owner) || !ReferenceEquals(owner.Member, member))
            {
                continue; // duplicate, already reported
            }
            long? value = member.Value is null ? next : EvaluateMember(member.Value, symbol);
            if (value is null)
            {
                continue;
            }
            if (value < int.MinValue || value > int.MaxValue)
            {
                _diagnostics.Report(DiagnosticDescriptors.ValueOutOfRange, member.Location, "enum", value.Value, "enums are XDR ints: -2147483648 to 2147483647");
                continue;
            }
            symbol.Members.Add(new EnumMemberSymbol(member.Name, (int)value.Value, member.Location));
            next = value.Value + 1;
        }
    }

    private long? EvaluateMember(ValueSyntax value, EnumSymbol binding)
    {
        if (value.Name is string name && _enumMembers.TryGetValue(name, out var member) && _enumSymbols[member.Enum] == binding)
        {
            foreach (EnumMemberSymbol m in binding.Members)
            {
                if (m.Name == name)
                {
                    return m.Value;
                }
            }
            _diagnostics.Report(DiagnosticDescriptors.ConstantCycle, value.Location, name);
            return null;
        }
        return Evaluate(value);
    }

    /// <summary>Resolves a type name or built-in; null (reported) when it cannot be.</summary>
    private XdrType? ResolveType(TypeSyntax type)
    {
        switch (type.Kind)
        {
            case TypeKind.Int: return PrimitiveType.Int;
            case TypeKind.UnsignedInt: return PrimitiveType.UnsignedInt;
            case TypeKind.Hyper: return PrimitiveType.Hyper;
            case TypeKind.UnsignedHyper: return PrimitiveType.UnsignedHyper;
            case TypeKind.Float: return PrimitiveType.Float;
            case TypeKind.Double: return PrimitiveType.Double;
            case TypeKind.Quadruple: return PrimitiveType.Quadruple;
            case TypeKind.Bool: return PrimitiveType.Bool;
            case TypeKind.String: return new StringType(null); // procedure argument/result: unbounded
            case TypeKind.Opaque: return new OpaqueType(false, null);
        }
        string name = type.Name!;
        if (_types.TryGetValue(name, out TypeSymbol? symbol))
        {
            return new NamedType(symbol);
        }
        if (_definitions.TryGetValue(name, out DefinitionSyntax? definition))
        {
            if (definition is TypedefSyntax)
            {
                return ResolveTypedef(name, type.Location);
            }
            _diagnostics.Report(DiagnosticDescriptors.WrongKind, type.Location, name, Describe(definition), "a type");
            return null;
        }
        if (_externTypes.TryGetValue(name, out string? csharpType) || s_defaultExternTypes.TryGetValue(name, out csharpType))
        {
            return new ExternType(name, csharpType);
        }
        if (s_builtinTypes.TryGetValue(name, out XdrType? builtin))
        {
            return builtin;
        }
        if (_enumMembers.ContainsKey(name))
        {
            _diagnostics.Report(DiagnosticDescriptors.WrongKind, type.Location, name, "an enum member", "a type");
            return null;
        }
        if (!System.Linq.Enumerable.Contains(_specification.BrokenNames, name))
        {
            // A definition that failed to parse is not reported again at each use.
            _diagnostics.Report(DiagnosticDescriptors.UndefinedType, type.Location, name);
        }
        return null;
    }

    private XdrType? ResolveTypedef(string name, SourceLocation usedAt)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (_typedefs.TryGetValue(name, out XdrType? known))
        {
            return known;
        }
        if (!_definitions.TryGetValue(name, out DefinitionSyntax? definition) || definition is not TypedefSyntax typedef)
        {
            return null;
        }
        if (!_resolvingTypedefs.Add(name))
        {
            _diagnostics.Report(DiagnosticDescriptors.InfiniteType, usedAt, name, "typedef chain");
            return null;
        }
        XdrType? resolved = ResolveDeclaration(typedef.Declaration, "in a typedef");
        _resolvingTypedefs.Remove(name);
        _typedefs[name] = resolved;
        return resolved;
    }

    /// <summary>Resolves a declaration's shape; null for void or on error.</summary>
    // Arrays of arrays (through typedefs) become nested loops; past this the input is hostile.
    private const int MaxTypeDepth = 32;

    private XdrType? ResolveDeclaration(DeclarationSyntax declaration, string voidContext)
    {
        XdrType? type = ResolveDeclarationCore(declaration, voidContext);
        if (type is not null && type.Depth > MaxTypeDepth)
        {
            _diagnostics.Report(DiagnosticDescriptors.InputTooLarge, declaration.Location,
                "'" + declaration.Name + "' nests arrays and optionals more than " + MaxTypeDepth + " deep");
            return null;
        }
        return type;
    }

    private XdrType? ResolveDeclarationCore(DeclarationSyntax declaration, string voidContext)
    {
        if (declaration.Kind == DeclarationKind.Void || declaration.Type is null)
        {
            _diagnostics.Report(DiagnosticDescriptors.VoidNotAllowed, declaration.Location, voidContext);
            return null;
        }
        TypeSyntax type = declaration.Type;
        switch (declaration.Kind)
        {
            case DeclarationKind.Plain:
            {
                return ResolveType(type);
            }
            case DeclarationKind.Optional:
            {
                XdrType? element = ResolveType(type);
                if (element is OptionalType)
                {
                    _diagnostics.Report(DiagnosticDescriptors.InvalidOptional, declaration.Location, declaration.Name ?? "?", "its type is already optional");
                    return null;
                }
                return element is null ? null : new OptionalType(element);
            }
            case DeclarationKind.FixedArray:
            {
                uint? size = declaration.Size is null ? null : EvaluateSize(declaration.Size, isFixed: true);
                if (type.Kind == TypeKind.Opaque)
                {
                    return size is null ? null : new OpaqueType(true, size);
                }
                XdrType? element = ResolveType(type);
                return element is null || size is null ? null : new ArrayType(element, true, size);
            }
            default:
            {
                uint? max = null;
                if (declaration.Size is not null)
                {
                    max = EvaluateSize(declaration.Size, isFixed: false);
                    if (max is null)
                    {
                        return null;
                    }
                }
                if (type.Kind == TypeKind.String)
                {
                    return new StringType(max);
                }
                if (type.Kind == TypeKind.Opaque)
                {
                    return new OpaqueType(false, max);
                }
                XdrType? element = ResolveType(type);
                return element is null ? null : new ArrayType(element, false, max);
            }
        }
    }

    private void BindStruct(StructSyntax syntax, StructSymbol symbol)
    {
        var names = new Dictionary<string, SourceLocation>(System.StringComparer.Ordinal);
        foreach (DeclarationSyntax field in syntax.Fields)
        {
            if (field.Name is not null && names.TryGetValue(field.Name, out SourceLocation previous))
            {
                _diagnostics.Report(DiagnosticDescriptors.DuplicateName, field.Location, field.Name, previous.ToString());
                continue;
            }
            if (field.Name is not null)
            {
                names[field.Name] = field.Location;
            }
            XdrType? type = ResolveDeclaration(field, "as a struct member");
            if (type is not null)
            {
                symbol.Fields.Add(new FieldSymbol(field.Name!, type, field.Location));
            }
        }
    }
}
