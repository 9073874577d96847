using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Semantics;

/// <summary>
/// Names that C gives meaning to outside the .x grammar: program, version and procedure names
/// (rpcgen <c>#define</c>s each to its number, so .x files use them as constants, before or after
/// the program), and type names that no .x file defines but the user supplies as C# types.
/// </summary>
internal sealed partial class Binder
{
    // The first declaration of each version and procedure name; a later one with the same name
    // (NULLPROC in every version) is a C redefinition that rpcgen's output leaves to the compiler.
    private readonly Dictionary<string, (ValueSyntax Number, string What)> _rpcNames = new(System.StringComparer.Ordinal);
    private readonly Dictionary<ValueSyntax, uint?> _rpcValues = new();
    private readonly HashSet<ValueSyntax> _evaluatingRpc = new();

    private void DeclareRpcNames(ProgramSyntax program)
    {
        foreach (VersionSyntax version in program.Versions)
        {
            if (!_rpcNames.ContainsKey(version.Name))
            {
                _rpcNames[version.Name] = (version.Number, "version");
            }
            foreach (ProcedureSyntax procedure in version.Procedures)
            {
                if (!_rpcNames.ContainsKey(procedure.Name))
                {
                    _rpcNames[procedure.Name] = (procedure.Number, "procedure");
                }
            }
        }
    }

    /// <summary>A program, version or procedure number, evaluated once whether it is reached
    /// through its definition or through its name used as a constant (so errors are reported once,
    /// and a number defined through itself is a cycle, not a stack overflow).</summary>
    private uint? EvaluateRpcNumber(string name, ValueSyntax number, string what, SourceLocation usedAt)
    {
        if (_rpcValues.TryGetValue(number, out uint? known))
        {
            return known;
        }
        if (!_evaluatingRpc.Add(number))
        {
            _diagnostics.Report(DiagnosticDescriptors.ConstantCycle, usedAt, name);
            return null;
        }
        uint? value = EvaluateNumber(number, what);
        _evaluatingRpc.Remove(number);
        _rpcValues[number] = value;
        return value;
    }

    /// <summary>An ExternTypes entry for a name a .x file defines would make the same name mean two
    /// things: reported at the definition.</summary>
    private void CheckExternTypes()
    {
        foreach (KeyValuePair<string, string> entry in _externTypes)
        {
            if (_declared.TryGetValue(entry.Key, out SourceLocation location))
            {
                _diagnostics.Report(DiagnosticDescriptors.InvalidOption, location,
                    "'" + entry.Key + "' is defined here and also mapped to the C# type '" + entry.Value + "' by ExternTypes; remove one of them");
            }
        }
    }
}
