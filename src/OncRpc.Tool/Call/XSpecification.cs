using System.Globalization;
using OncRpc.Compiler;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Lexing;
using OncRpc.Compiler.Semantics;

namespace OncRpc.Tool.Call;

/// <summary>One procedure of a .x file with the program and version it belongs to.</summary>
internal sealed record XProcedure(ProgramSymbol Program, VersionSymbol Version, ProcedureSymbol Procedure)
{
    public RpcProcedureDescriptor Descriptor => new(Program.Number, Version.Number, Procedure.Number, Program.Name, Procedure.Name);

    /// <summary>How errors and listings name it: <c>BANK_PROG (0x20000099) version 1 WITHDRAW</c>.</summary>
    public override string ToString() => $"{RpcNames.Program(Program.Name, Program.Number)} version {Version.Number} {Procedure.Name}";
}

/// <summary>
/// A .x file read through the compiler's semantic model: its programs, versions and procedures,
/// and the lookup of <c>PROCEDURE</c> or <c>PROG.VERS.PROC</c> (names or numbers) for <c>oncrpc call</c>.
/// </summary>
internal sealed class XSpecification
{
    private XSpecification(SemanticModel model) => Model = model;

    public SemanticModel Model { get; }

    public IEnumerable<XProcedure> Procedures =>
        from program in Model.Symbols.OfType<ProgramSymbol>()
        from version in program.Versions
        from procedure in version.Procedures
        select new XProcedure(program, version, procedure);

    /// <summary>Reads and checks <paramref name="path"/>; diagnostics go to <paramref name="stderr"/>
    /// in the compiler's format. Null when the file has errors.</summary>
    public static XSpecification? Load(string path, IReadOnlyList<string> includeDirectories, TextWriter stderr)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            stderr.WriteLine($"{full}: error ONCRPC1005: cannot find file '{full}'");
            return null;
        }
        // No client or server code is wanted, only the model; the C# text is discarded.
        var options = new XdrCompilerOptions { GenerateClient = false, GenerateServer = false, SourceResolver = FileSystemSourceResolver.Instance };
        foreach (string include in includeDirectories)
        {
            options.IncludeDirectories.Add(Path.GetFullPath(include));
        }
        XdrCompilationResult result = XdrCompiler.Compile(full, File.ReadAllText(full), options);
        foreach (Diagnostic diagnostic in result.Diagnostics)
        {
            stderr.WriteLine(diagnostic.ToString());
        }
        return result.Success && result.Model is { } model ? new XSpecification(model) : null;
    }

    /// <summary>Finds <paramref name="text"/>: a procedure name, or <c>PROG.VERS.PROC</c> where each
    /// part is a name from the .x or a number (decimal or 0x hex). Throws <see cref="FormatException"/>
    /// with what there is when nothing or more than one procedure matches.</summary>
    public XProcedure Find(string text)
    {
        string[] parts = text.Split('.');
        List<XProcedure> matches = parts.Length switch
        {
            1 => Procedures.Where(p => p.Procedure.Name == text).ToList(),
            3 => Procedures.Where(p => Matches(parts[0], p.Program.Name, p.Program.Number)
                && Matches(parts[1], p.Version.Name, p.Version.Number)
                && Matches(parts[2], p.Procedure.Name, p.Procedure.Number)).ToList(),
            _ => throw new FormatException($"'{text}' is neither a procedure name nor PROG.VERS.PROC"),
        };
        if (matches.Count == 1)
        {
            return matches[0];
        }
        string known = string.Join(", ", Procedures.Select(p => p.Procedure.Name).Distinct());
        throw new FormatException(matches.Count == 0
            ? $"no procedure '{text}' in {Path.GetFileName(Model.MainFile)} (it has {(known.Length == 0 ? "no programs" : known)}; oncrpc call FILE.x --list shows them all)"
            : $"'{text}' is ambiguous: {string.Join("; ", matches)} (say PROG.VERS.PROC)");
    }

    private static bool Matches(string part, string name, uint number) =>
        part == name || (TryParseNumber(part, out uint value) && value == number);

    /// <summary>A number as rpcinfo and .x files write them: decimal, or hex with 0x.</summary>
    public static bool TryParseNumber(string text, out uint value) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
