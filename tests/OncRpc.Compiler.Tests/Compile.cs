using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Lexing;

namespace OncRpc.Compiler.Tests;

/// <summary>Helpers: run the .x compiler, then Roslyn on what it produced.</summary>
internal static class Compile
{
    public static XdrCompilationResult X(string text, string path = "/test/input.x", Action<XdrCompilerOptions>? configure = null)
    {
        var options = new XdrCompilerOptions { Namespace = "Test.Generated" };
        configure?.Invoke(options);
        return XdrCompiler.Compile(path, text, options);
    }

    public static XdrCompilationResult File(string path, string ns, params string[] includeDirectories)
    {
        var options = new XdrCompilerOptions { Namespace = ns, SourceResolver = FileSystemSourceResolver.Instance };
        foreach (string directory in includeDirectories)
        {
            options.IncludeDirectories.Add(directory);
        }
        return XdrCompiler.Compile(Path.GetFullPath(path), System.IO.File.ReadAllText(path), options);
    }

    public static IReadOnlyList<Diagnostics.Diagnostic> Errors(string text) =>
        X(text).Diagnostics.Where(d => d.Severity == OncRpc.Compiler.Diagnostics.DiagnosticSeverity.Error).ToList();

    private static readonly Lazy<List<MetadataReference>> s_references = new(() =>
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(OncRpc.Xdr.XdrReader).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(OncRpc.RpcProcedureDescriptor).Assembly.Location));
        return references;
    });

    public static IReadOnlyList<MetadataReference> References => s_references.Value;

    /// <summary>Compiles C# sources as a library with every warning an error (the consumers' setting).</summary>
    public static CSharpCompilation CSharp(IEnumerable<(string Name, string Code)> sources, string assemblyName = "Generated")
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Code, parse, s.Name)).ToList();
        return CSharpCompilation.Create(assemblyName, trees, References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error,
                warningLevel: 9999,
                optimizationLevel: OptimizationLevel.Debug));
    }

    /// <summary>Every warning or error, formatted, so a failing assert shows them.</summary>
    public static List<string> Problems(CSharpCompilation compilation) =>
        compilation.GetDiagnostics()
            .Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning || d.IsWarningAsError)
            .Select(d => d.ToString())
            .ToList();

    /// <summary>Emits and loads the assembly (round-trip tests reach the types by reflection).</summary>
    public static Assembly Load(CSharpCompilation compilation)
    {
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return Assembly.Load(stream.ToArray());
    }
}
