namespace OncRpc.Compiler.Tests;

/// <summary>
/// Real-world .x files: every one Debian ships (rpcsvc-proto, libtirpc-dev) plus the RFC 1833
/// and RFC 1813 files of this repository compile without a diagnostic, and the C# builds with
/// zero warnings. A file that imports another through <c>%#include "x.h"</c> is built together
/// with that file's own output, as a project would.
/// </summary>
public sealed class RpcsvcTests
{
    private static readonly string[] s_directories = ["/usr/include/rpcsvc", "/usr/include/tirpc/rpcsvc"];

    public static TheoryData<string> SystemFiles()
    {
        var data = new TheoryData<string>();
        foreach (string directory in s_directories.Where(Directory.Exists))
        {
            foreach (string file in Directory.GetFiles(directory, "*.x").Order(StringComparer.Ordinal))
            {
                data.Add(file);
            }
        }
        if (data.Count == 0)
        {
            data.Add("(none)");
        }
        return data;
    }

    public static TheoryData<string> OwnFiles => new(TestPaths.OwnXFiles.Select(TestPaths.X));

    [Theory]
    [MemberData(nameof(SystemFiles))]
    public void System_x_file_compiles_and_builds(string file)
    {
        if (file == "(none)")
        {
            string message = "/usr/include/rpcsvc/*.x not found: install rpcsvc-proto and libtirpc-dev";
            Assert.False(TestPaths.RequirePeers, message);
            Assert.Skip(message);
        }
        CompileAndBuild(file);
    }

    [Theory]
    [MemberData(nameof(OwnFiles))]
    public void Repository_x_file_compiles_and_builds(string file) => CompileAndBuild(file);

    private static void CompileAndBuild(string file)
    {
        string ns = "Rpcsvc." + Emit.Naming.Pascal(Path.GetFileNameWithoutExtension(file));
        XdrCompilationResult result = Compile.File(file, ns, "/usr/include", "/usr/include/tirpc");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Empty(result.Diagnostics);
        var sources = new List<(string, string)> { (file, result.GeneratedCode!) };
        // Imported files (%#include of their rpcgen header) are generated on their own, once:
        // skip any that another import already generates through #include.
        var imported = result.Model!.Symbols.Where(s => !s.IsFromMainFile).Select(s => s.Location.FilePath).Distinct().ToList();
        var importResults = imported.ToDictionary(p => p, p => Compile.File(p, ns, "/usr/include"));
        foreach (string path in imported)
        {
            bool coveredElsewhere = importResults.Any(kv => kv.Key != path &&
                kv.Value.Model!.Symbols.Any(s => s.IsFromMainFile && s.Location.FilePath == path));
            if (!coveredElsewhere)
            {
                Assert.True(importResults[path].Success, string.Join("\n", importResults[path].Diagnostics));
                sources.Add((path, importResults[path].GeneratedCode!));
            }
        }
        Assert.Empty(Compile.Problems(Compile.CSharp(sources)));
    }
}
