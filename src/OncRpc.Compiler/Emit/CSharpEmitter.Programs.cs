using System;
using System.Collections.Generic;
using OncRpc.Compiler.Semantics;

namespace OncRpc.Compiler.Emit;

internal sealed partial class CSharpEmitter
{
    private const string Tasks = "global::System.Threading.Tasks.";
    private const string Token = "global::System.Threading.CancellationToken";

    private sealed class VersionNames
    {
        public string Procedures = "", Interface = "", Client = "", Service = "";
        public readonly Dictionary<ProcedureSymbol, string> Methods = new();
        public readonly Dictionary<ProcedureSymbol, string> SyncMethods = new();
        public readonly Dictionary<ProcedureSymbol, string> Descriptors = new();
        public readonly Dictionary<ProcedureSymbol, string> ArgumentStructs = new();
        public readonly Dictionary<ProcedureSymbol, string> ResultStructs = new();
    }

    private readonly Dictionary<VersionSymbol, VersionNames> _versionNames = new();

    /// <summary>LOG_PROG -> Log, NFS_PROGRAM -> Nfs, MOUNTPROG -> Mount: the suffix only says "program".</summary>
    private static string ProgramBase(string name)
    {
        foreach (string suffix in new[] { "_PROGRAM", "PROGRAM", "_PROG", "PROG" })
        {
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return Naming.Pascal(name.Substring(0, name.Length - suffix.Length));
            }
        }
        return Naming.Pascal(name);
    }

    /// <summary>Procedure names usually share a prefix (NFSPROC3_GETATTR, NFSPROC3_READ): methods drop
    /// it (GetattrAsync) when every name keeps a word after it.</summary>
    private static string CommonPrefix(List<ProcedureSymbol> procedures)
    {
        if (procedures.Count < 2)
        {
            return string.Empty;
        }
        string prefix = procedures[0].Name;
        foreach (ProcedureSymbol procedure in procedures)
        {
            int n = 0;
            while (n < prefix.Length && n < procedure.Name.Length && prefix[n] == procedure.Name[n])
            {
                n++;
            }
            prefix = prefix.Substring(0, n);
        }
        int underscore = prefix.LastIndexOf('_');
        prefix = underscore < 0 ? string.Empty : prefix.Substring(0, underscore + 1);
        foreach (ProcedureSymbol procedure in procedures)
        {
            string rest = procedure.Name.Substring(prefix.Length);
            if (rest.Length == 0 || !char.IsLetter(rest[0]))
            {
                return string.Empty;
            }
        }
        return prefix;
    }

    private void AssignProgramNames(ProgramSymbol program)
    {
        string programBase = ProgramBase(program.Name);
        foreach (VersionSymbol version in program.Versions)
        {
            string baseName = programBase + "V" + version.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var names = new VersionNames
            {
                Procedures = _topLevel.Claim(baseName + "Procedures"),
                Interface = _options.Client || _options.Server ? _topLevel.Claim("I" + baseName) : "",
                Client = _options.Client ? _topLevel.Claim(baseName + "Client") : "",
                Service = _options.Server ? _topLevel.Claim(baseName + "ServiceBase") : "",
            };
            string prefix = CommonPrefix(version.Procedures);
            var methodScope = new NameScope(s_reservedMembers);
            methodScope.Reserve("RpcClient");
            methodScope.Reserve("Register");
            methodScope.Reserve("FromInterface");
            methodScope.Reserve(names.Client);
            methodScope.Reserve(names.Service);
            // object's members too: a procedure EQUALS must not hide object.Equals (CS0108).
            var procedureScope = new NameScope(names.Procedures, "Program", "Version", "ProgramXdrName", "VersionXdrName",
                "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone", "ReferenceEquals", "Finalize");
            foreach (ProcedureSymbol procedure in version.Procedures)
            {
                string pascal = Naming.Pascal(procedure.Name.Substring(prefix.Length));
                names.Methods[procedure] = methodScope.Claim(pascal + "Async");
                names.Descriptors[procedure] = procedureScope.Claim(pascal);
            }
            // The blocking twins are named after every Async name is taken, so adding them never
            // renames an existing method; a clash (a procedure FOO_ASYNC next to FOO, or one named
            // like a member) gets the scope's numeric suffix.
            foreach (ProcedureSymbol procedure in version.Procedures)
            {
                names.SyncMethods[procedure] = methodScope.Claim(Naming.Pascal(procedure.Name.Substring(prefix.Length)));
            }
            foreach (ProcedureSymbol procedure in version.Procedures)
            {
                string pascal = names.Descriptors[procedure];
                if (NeedsStruct(procedure.Arguments))
                {
                    names.ArgumentStructs[procedure] = procedureScope.Claim(pascal + "Arguments");
                }
                if (procedure.Result is not null && NeedsStruct(new[] { procedure.Result }))
                {
                    names.ResultStructs[procedure] = procedureScope.Claim(pascal + "Result");
                }
            }
            _versionNames[version] = names;
        }
    }

    /// <summary>The runtime's calls take IXdrSerializable types: struct and union classes already
    /// are, XDR primitives have wrappers in OncRpc.Xdr; anything else (enums, bounded strings,
    /// arrays, several arguments) gets a small generated struct.</summary>
    private static bool NeedsStruct(IReadOnlyList<XdrType> types) =>
        types.Count > 1 || (types.Count == 1 && PrimitiveWrapper(types[0]) is null && !IsDirect(types[0]));

    private static bool IsDirect(XdrType type) => type is NamedType { Symbol: StructSymbol or UnionSymbol } or ExternType;

    private static string? PrimitiveWrapper(XdrType type) => type switch
    {
        PrimitiveType { Kind: PrimitiveKind.Int } => Xdr + "XdrInt",
        PrimitiveType { Kind: PrimitiveKind.UnsignedInt } => Xdr + "XdrUInt",
        PrimitiveType { Kind: PrimitiveKind.Hyper } => Xdr + "XdrHyper",
        PrimitiveType { Kind: PrimitiveKind.UnsignedHyper } => Xdr + "XdrUHyper",
        PrimitiveType { Kind: PrimitiveKind.Bool } => Xdr + "XdrBool",
        PrimitiveType { Kind: PrimitiveKind.Float } => Xdr + "XdrFloat",
        PrimitiveType { Kind: PrimitiveKind.Double } => Xdr + "XdrDouble",
        StringType { Max: null } => Xdr + "XdrString",
        _ => null,
    };

    private List<string> ParameterNames(ProcedureSymbol procedure)
    {
        var scope = new NameScope("cancellationToken", "context", "arguments", "result");
        var names = new List<string>();
        for (int i = 0; i < procedure.Arguments.Count; i++)
        {
            string? typeName = procedure.ArgumentTypeNames[i];
            string preferred = typeName is null ? (procedure.Arguments.Count == 1 ? "arg" : "arg" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))
                : Naming.Camel(typeName);
            names.Add(Naming.Escape(scope.Claim(preferred)));
        }
        return names;
    }
}
