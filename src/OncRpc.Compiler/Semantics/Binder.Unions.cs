using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Semantics;

internal sealed partial class Binder
{
    private void BindUnion(UnionSyntax syntax, UnionSymbol symbol)
    {
        XdrType? discriminantType = ResolveDeclaration(syntax.Discriminant, "as a union discriminant");
        if (discriminantType is null)
        {
            return;
        }
        bool valid = discriminantType switch
        {
            PrimitiveType p => p.Kind is PrimitiveKind.Int or PrimitiveKind.UnsignedInt or PrimitiveKind.Bool,
            NamedType n => n.Symbol is EnumSymbol,
            _ => false,
        };
        if (!valid)
        {
            _diagnostics.Report(DiagnosticDescriptors.InvalidDiscriminant, syntax.Discriminant.Location, syntax.Name, DescribeType(discriminantType));
            return;
        }
        symbol.Discriminant = new FieldSymbol(syntax.Discriminant.Name!, discriminantType, syntax.Discriminant.Location);
        var seen = new Dictionary<long, SourceLocation>();
        foreach (UnionArmSyntax arm in syntax.Arms)
        {
            var labels = new List<CaseLabel>();
            foreach (ValueSyntax label in arm.Labels)
            {
                CaseLabel? resolved = ResolveLabel(label, discriminantType);
                if (resolved is null)
                {
                    continue;
                }
                if (seen.ContainsKey(resolved.Value))
                {
                    _diagnostics.Report(DiagnosticDescriptors.DuplicateCase, label.Location, label.Text, syntax.Name);
                    continue;
                }
                seen[resolved.Value] = label.Location;
                labels.Add(resolved);
            }
            if (labels.Count > 0)
            {
                symbol.Arms.Add(new UnionArmSymbol(labels, BindArmBody(arm.Body), arm.Location));
            }
        }
        if (syntax.Default is not null)
        {
            symbol.Default = new UnionArmSymbol(new CaseLabel[0], BindArmBody(syntax.Default.Body), syntax.Default.Location);
        }
    }

    private FieldSymbol? BindArmBody(DeclarationSyntax body)
    {
        if (body.Kind == DeclarationKind.Void)
        {
            return null;
        }
        XdrType? type = ResolveDeclaration(body, "here");
        return type is null ? null : new FieldSymbol(body.Name!, type, body.Location);
    }

    private CaseLabel? ResolveLabel(ValueSyntax label, XdrType discriminant)
    {
        long? value = Evaluate(label);
        if (value is null)
        {
            return null;
        }
        string? memberName = null;
        bool ok;
        switch (discriminant)
        {
            case NamedType { Symbol: EnumSymbol e }:
                ok = false;
                foreach (EnumMemberSymbol m in e.Members)
                {
                    if (m.Value == value && (label.Name is null || label.Name == m.Name || memberName is null))
                    {
                        ok = true;
                        memberName = m.Name;
                        if (label.Name == m.Name)
                        {
                            break;
                        }
                    }
                }
                // A member of another enum with a matching value is a type error.
                if (ok && label.Name is not null && _enumMembers.ContainsKey(label.Name) && label.Name != memberName)
                {
                    ok = false;
                }
                break;
            case PrimitiveType { Kind: PrimitiveKind.Bool }:
                ok = value is 0 or 1;
                break;
            case PrimitiveType { Kind: PrimitiveKind.UnsignedInt }:
                ok = value >= 0 && value <= uint.MaxValue;
                memberName = label.Name; // a constant's name names the arm (FIXED_LEN -> FixedLen)
                break;
            default:
                ok = value >= int.MinValue && value <= int.MaxValue;
                memberName = label.Name;
                break;
        }
        if (!ok)
        {
            _diagnostics.Report(DiagnosticDescriptors.CaseTypeMismatch, label.Location, label.Text, DescribeType(discriminant));
            return null;
        }
        return new CaseLabel(value.Value, memberName, label.Location);
    }

    internal static string DescribeType(XdrType type) => type switch
    {
        PrimitiveType p => p.Kind switch
        {
            PrimitiveKind.UnsignedInt => "unsigned int",
            PrimitiveKind.UnsignedHyper => "unsigned hyper",
            _ => p.Kind.ToString().ToLowerInvariant(),
        },
        StringType => "string",
        OpaqueType => "opaque",
        ArrayType => "an array",
        OptionalType => "an optional",
        ExternType e => "extern type " + e.Name,
        NamedType n => n.Symbol switch
        {
            EnumSymbol => "enum " + n.Symbol.Name,
            StructSymbol => "struct " + n.Symbol.Name,
            _ => "union " + n.Symbol.Name,
        },
        _ => "?",
    };

    private ProgramSymbol? BindProgram(ProgramSyntax syntax)
    {
        uint? number = EvaluateRpcNumber(syntax.Name, syntax.Number, "program", syntax.Number.Location);
        var program = new ProgramSymbol(syntax.Name, number ?? 0, syntax.Location, OutputFileOf(syntax));
        var versionNumbers = new Dictionary<uint, string>();
        var versionNames = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (VersionSyntax version in syntax.Versions)
        {
            uint? versionNumber = EvaluateRpcNumber(version.Name, version.Number, "version", version.Number.Location);
            if (!versionNames.Add(version.Name))
            {
                _diagnostics.Report(DiagnosticDescriptors.DuplicateName, version.Location, version.Name, "program " + syntax.Name);
            }
            if (versionNumber is null)
            {
                continue;
            }
            if (versionNumbers.TryGetValue(versionNumber.Value, out string? other))
            {
                _diagnostics.Report(DiagnosticDescriptors.DuplicateNumber, version.Number.Location, "version", versionNumber.Value, other);
                continue;
            }
            versionNumbers[versionNumber.Value] = version.Name;
            var versionSymbol = new VersionSymbol(version.Name, versionNumber.Value, version.Location);
            var procedureNumbers = new Dictionary<uint, string>();
            var procedureNames = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (ProcedureSyntax procedure in version.Procedures)
            {
                uint? procedureNumber = EvaluateRpcNumber(procedure.Name, procedure.Number, "procedure", procedure.Number.Location);
                if (!procedureNames.Add(procedure.Name))
                {
                    _diagnostics.Report(DiagnosticDescriptors.DuplicateName, procedure.Location, procedure.Name, "version " + version.Name);
                    continue;
                }
                var arguments = new List<XdrType>();
                var argumentNames = new List<string?>();
                bool ok = procedureNumber is not null;
                foreach (TypeSyntax argument in procedure.Arguments)
                {
                    XdrType? type = ResolveType(argument);
                    ok &= type is not null;
                    if (type is not null)
                    {
                        arguments.Add(type);
                        argumentNames.Add(argument.Name);
                    }
                }
                XdrType? result = procedure.Result is null ? null : ResolveType(procedure.Result);
                ok &= procedure.Result is null || result is not null;
                if (procedure.Semantics is { Semantics: CallSemantics.Maybe } oneWay && procedure.Result is not null)
                {
                    // A one-way call gets no reply, so there is nowhere for a result to go.
                    _diagnostics.Report(DiagnosticDescriptors.OneWayWithResult, oneWay.Location, procedure.Name, oneWay.Keyword);
                    ok = false;
                }
                if (!ok)
                {
                    continue;
                }
                if (procedureNumbers.TryGetValue(procedureNumber!.Value, out string? otherProcedure))
                {
                    _diagnostics.Report(DiagnosticDescriptors.DuplicateNumber, procedure.Number.Location, "procedure", procedureNumber.Value, otherProcedure);
                    continue;
                }
                procedureNumbers[procedureNumber.Value] = procedure.Name;
                versionSymbol.Procedures.Add(new ProcedureSymbol(procedure.Name, procedureNumber.Value, arguments, argumentNames, result, procedure.Location,
                    procedure.Semantics?.Semantics));
            }
            program.Versions.Add(versionSymbol);
        }
        return number is null ? null : program;
    }

    private void CheckPrograms(List<Symbol> symbols)
    {
        var numbers = new Dictionary<uint, string>();
        foreach (Symbol symbol in symbols)
        {
            if (symbol is ProgramSymbol program)
            {
                if (numbers.TryGetValue(program.Number, out string? other))
                {
                    _diagnostics.Report(DiagnosticDescriptors.DuplicateNumber, program.Location, "program", program.Number, other);
                }
                else
                {
                    numbers[program.Number] = program.Name;
                }
            }
        }
    }
}
