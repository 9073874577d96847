namespace OncRpc.Compiler.Tests;

/// <summary>
/// Real-world .x files: every one Debian ships (rpcsvc-proto under /usr/include/rpcsvc, libtirpc-dev
/// under /usr/include/tirpc) plus the RFC 1833 and RFC 1813 files of this repository compile without
/// a diagnostic, and the C# builds with zero warnings. A file that imports another through
/// <c>%#include "x.h"</c> is compiled together with that file, as a project lists both.
/// </summary>
public sealed class RpcsvcTests
{
    private static readonly string[] s_directories = ["/usr/include/rpcsvc", "/usr/include/tirpc"];

    public static TheoryData<string> SystemFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in s_directories.Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*.x", SearchOption.AllDirectories)).Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }
        if (data.Count == 0)
        {
            data.Add("(none)");
        }
        return data;
    }

    public static TheoryData<string> OwnFiles => new(TestPaths.OwnXFiles.Select(TestPaths.X));

    private static void RequireSystemFiles(string file)
    {
        if (!File.Exists(file))
        {
            string message = file + " not found: install rpcsvc-proto and libtirpc-dev";
            Assert.False(TestPaths.RequirePeers, message);
            Assert.Skip(message);
        }
    }

    [Theory]
    [MemberData(nameof(SystemFiles))]
    public void System_x_file_compiles_and_builds(string file)
    {
        RequireSystemFiles(file == "(none)" ? "/usr/include/rpcsvc/*.x" : file);
        CompileAndBuild(file);
    }

    [Theory]
    [MemberData(nameof(OwnFiles))]
    public void Repository_x_file_compiles_and_builds(string file) => CompileAndBuild(file);

    [Fact]
    public void Libtirpc_rpcb_prot_uses_its_typedefs_and_procedure_names_as_constants()
    {
        const string file = "/usr/include/tirpc/rpc/rpcb_prot.x";
        RequireSystemFiles(file);
        XdrCompilationResult result = Compile.File(file, "Tirpc.Rpcb");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        // const rpcb_highproc_4 = RPCBPROC_GETSTAT: a procedure number, defined further down.
        Assert.Equal(12, result.Model!.Symbols.OfType<Semantics.ConstSymbol>().Single(c => c.Name == "rpcb_highproc_4").Value);
        Assert.Contains("public uint RProg { get; set; }", result.GeneratedCode);
    }

    [Fact]
    public void Nis_callback_compiles_together_with_nis_without_include_directories()
    {
        const string nis = "/usr/include/rpcsvc/nis.x", callback = "/usr/include/rpcsvc/nis_callback.x";
        RequireSystemFiles(callback);
        var options = new XdrCompilerOptions { Namespace = "Nis", SourceResolver = Lexing.FileSystemSourceResolver.Instance };
        IReadOnlyList<XdrCompilationResult> results = XdrCompiler.Compile(
            [new XdrSourceFile(nis, File.ReadAllText(nis), options), new XdrSourceFile(callback, File.ReadAllText(callback), options)]);
        Assert.All(results, r => Assert.True(r.Success, string.Join("\n", r.Diagnostics)));
        Assert.All(results, r => Assert.Empty(r.Diagnostics));
        // nis_object is nis.x's (through its #include of nis_object.x); the callback's output uses it.
        Assert.Contains("class NisObject ", results[0].GeneratedCode);
        Assert.DoesNotContain("class NisObject ", results[1].GeneratedCode);
        Assert.Contains("global::Nis.NisObject", results[1].GeneratedCode);
        Assert.Empty(Compile.Problems(Compile.CSharp([(nis, results[0].GeneratedCode!), (callback, results[1].GeneratedCode!)])));
    }

    [Fact]
    public void Nis_callback_alone_names_the_missing_type_and_how_to_supply_it()
    {
        const string callback = "/usr/include/rpcsvc/nis_callback.x";
        RequireSystemFiles(callback);
        XdrCompilationResult result = Compile.File(callback, "Nis");
        Assert.False(result.Success);
        Diagnostics.Diagnostic error = Assert.Single(result.Diagnostics, d => d.Message.Contains("'nis_object'", StringComparison.Ordinal));
        Assert.Equal("ONCRPC1201", error.Id);
        Assert.Contains("ExternTypes=\"nis_object=Namespace.Type\"", error.Message);
        Assert.Contains("--extern nis_object=Namespace.Type", error.Message);
    }

    /// <summary>Compiles <paramref name="file"/> with the files it %#includes (found through the
    /// system include directories), all together, and builds every output as one assembly.</summary>
    private static void CompileAndBuild(string file)
    {
        string ns = "Rpcsvc." + Emit.Naming.Pascal(Path.GetFileNameWithoutExtension(file));
        XdrCompilationResult alone = Compile.File(file, ns, "/usr/include", "/usr/include/tirpc");
        Assert.True(alone.Success, string.Join("\n", alone.Diagnostics));
        Assert.Empty(alone.Diagnostics);
        var paths = new List<string> { Path.GetFullPath(file) };
        paths.AddRange(alone.Model!.Symbols.Where(s => s.OutputFile is null).Select(s => s.Location.FilePath).Distinct(StringComparer.Ordinal));
        var options = new XdrCompilerOptions { Namespace = ns, SourceResolver = Lexing.FileSystemSourceResolver.Instance };
        options.IncludeDirectories.Add("/usr/include");
        options.IncludeDirectories.Add("/usr/include/tirpc");
        IReadOnlyList<XdrCompilationResult> results = XdrCompiler.Compile([.. paths.Select(p => new XdrSourceFile(p, File.ReadAllText(p), options))]);
        Assert.All(results, r => Assert.True(r.Success, string.Join("\n", r.Diagnostics)));
        Assert.Equal(alone.GeneratedCode, results[0].GeneratedCode);
        Assert.Empty(Compile.Problems(Compile.CSharp(paths.Select((p, i) => (p, results[i].GeneratedCode!)))));
    }
}
