extern alias Gen;

using System.Collections.Immutable;
using System.Text;
using Gen::OncRpc.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace OncRpc.Compiler.Tests;

/// <summary>The Roslyn generator: output, diagnostics located in the .x file, and incrementality.</summary>
public sealed class GeneratorTests
{
    internal sealed class XText(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text, Encoding.UTF8);
    }

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }

    internal sealed class OptionsProvider(Dictionary<string, Dictionary<string, string>> perFile, Dictionary<string, string>? global = null)
        : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(new(global ?? []) { ["build_property.RootNamespace"] = "Consumer" });

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options([]);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            new Options(perFile.TryGetValue(textFile.Path, out var values) ? values : []);
    }

    /// <summary>The metadata build/OncRpc.Generator.targets puts on an OncRpcFile item.</summary>
    internal static Dictionary<string, string> ItemMetadata(string ns, string services = "Client;Server", string kind = "Generate") => new()
    {
        ["build_metadata.AdditionalFiles.OncRpcKind"] = kind,
        ["build_metadata.AdditionalFiles.OncRpcNamespace"] = ns,
        ["build_metadata.AdditionalFiles.OncRpcServices"] = services,
    };

    internal static (GeneratorDriver Driver, CSharpCompilation Compilation) Run(
        IEnumerable<(string Path, string Text, Dictionary<string, string> Metadata)> files, CSharpCompilation? compilation = null,
        Dictionary<string, string>? globalOptions = null)
    {
        var list = files.ToList();
        compilation ??= Compile.CSharp([("Program.cs", "namespace Consumer; public static class Program { public static int Answer => 42; }")], "Consumer");
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new OncRpcGenerator().AsSourceGenerator()],
            list.Select(f => (AdditionalText)new XText(f.Path, f.Text)),
            (CSharpParseOptions)compilation.SyntaxTrees.First().Options,
            new OptionsProvider(list.ToDictionary(f => f.Path, f => f.Metadata), globalOptions),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        return (driver.RunGenerators(compilation, TestContext.Current.CancellationToken), compilation);
    }

    [Fact]
    public void Generates_code_that_compiles_with_the_consumer()
    {
        string path = TestPaths.X("nfs3_prot.x");
        var (driver, compilation) = Run([(path, File.ReadAllText(path), ItemMetadata("Consumer.Nfs"))]);
        GeneratorDriverRunResult result = driver.GetRunResult();
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.GeneratedTrees);
        Assert.EndsWith("nfs3_prot.g.cs", result.GeneratedTrees[0].FilePath, StringComparison.Ordinal);
        var final = compilation.AddSyntaxTrees(result.GeneratedTrees);
        Assert.Empty(Compile.Problems(final));
    }

    [Fact]
    public void Diagnostics_point_at_the_x_file_line()
    {
        var (driver, _) = Run([("/proj/bad.x", "const A = 1;\nstruct s {\n    int x\n};\n", ItemMetadata("Consumer"))]);
        GeneratorDriverRunResult result = driver.GetRunResult();
        Assert.Empty(result.GeneratedTrees);
        Microsoft.CodeAnalysis.Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("ONCRPC1101", diagnostic.Id);
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, diagnostic.Severity);
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal("/proj/bad.x", span.Path);
        Assert.Equal(2, span.StartLinePosition.Line); // 0-based: line 3, right after "int x", where the ';' is missing
        Assert.StartsWith("/proj/bad.x(3,10): error ONCRPC1101", diagnostic.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Help_links_lead_to_the_pages_the_build_points_at_or_nowhere()
    {
        var bad = ("/proj/bad.x", "struct s { int x };", ItemMetadata("Consumer"));
        var (linked, _) = Run([bad], globalOptions: new() { ["build_property.OncRpcDiagnosticsHelpBase"] = "file:///nuget/oncrpc/1.0.0/docs/diagnostics/" });
        Assert.Equal("file:///nuget/oncrpc/1.0.0/docs/diagnostics/ONCRPC1101.md", Assert.Single(linked.GetRunResult().Diagnostics).Descriptor.HelpLinkUri);
        // Without a base there is no link, rather than a path into a checkout the consumer does not have.
        var (unlinked, _) = Run([bad]);
        Assert.Equal("", Assert.Single(unlinked.GetRunResult().Diagnostics).Descriptor.HelpLinkUri);
    }

    [Fact]
    public void Include_only_items_resolve_but_are_not_generated()
    {
        var (driver, compilation) = Run([
            ("/proj/main.x", "#include \"common.x\"\nstruct s { common c; };", ItemMetadata("Consumer")),
            ("/proj/common.x", "struct common { int a; };", ItemMetadata("Consumer", kind: "Include")),
        ]);
        GeneratorDriverRunResult result = driver.GetRunResult();
        Assert.Empty(result.Diagnostics);
        // #include is textual, as with rpcgen: main.g.cs carries common's types too.
        GeneratedSourceResult source = Assert.Single(result.Results[0].GeneratedSources);
        Assert.Contains("class Common ", source.SourceText.ToString());
        Assert.Empty(Compile.Problems(compilation.AddSyntaxTrees(result.GeneratedTrees)));
    }

    [Fact]
    public void Items_of_a_namespace_see_each_others_types_and_csharp_edits_reuse_the_joint_compile()
    {
        var (driver, compilation) = Run([
            ("/proj/nis.x", "typedef string nis_name<>;\nstruct nis_object { nis_name name; };", ItemMetadata("Consumer.Nis")),
            ("/proj/callback.x", "typedef nis_object *obj_p;\nstruct cback_data { obj_p entries<>; };", ItemMetadata("Consumer.Nis")),
            // Another namespace is another compilation: its own names, even those defined above.
            ("/proj/other.x", "struct nis_object { int different; };", ItemMetadata("Consumer.Other")),
        ]);
        GeneratorDriverRunResult result = driver.GetRunResult();
        Assert.Empty(result.Diagnostics);
        Assert.Empty(Compile.Problems(compilation.AddSyntaxTrees(result.GeneratedTrees)));
        Assert.Equal(["callback.g.cs", "nis.g.cs", "other.g.cs"], result.Results[0].GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        Assert.Empty(Compile.Problems(compilation.AddSyntaxTrees(result.GeneratedTrees)));

        SyntaxTree old = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(
            "namespace Consumer; public static class Program { public static int Answer => 43; }", (CSharpParseOptions)old.Options, old.FilePath, cancellationToken: TestContext.Current.CancellationToken));
        driver = driver.RunGenerators(edited, TestContext.Current.CancellationToken);
        Assert.All(driver.GetRunResult().Results[0].TrackedSteps[OncRpcGenerator.CompileStep].SelectMany(s => s.Outputs), o =>
            Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }

    [Fact]
    public void Duplicate_definitions_across_items_are_reported_at_the_second()
    {
        var (driver, _) = Run([
            ("/proj/a.x", "struct data { int x; };", ItemMetadata("Consumer")),
            ("/proj/b.x", "struct data { int y; };", ItemMetadata("Consumer")),
        ]);
        GeneratorDriverRunResult result = driver.GetRunResult();
        Diagnostic duplicate = Assert.Single(result.Diagnostics);
        Assert.Equal("ONCRPC1203", duplicate.Id);
        Assert.Equal("/proj/b.x", duplicate.Location.GetLineSpan().Path);
        Assert.Empty(result.Results[0].GeneratedSources);
    }

    [Fact]
    public void Editing_csharp_does_not_rerun_the_x_compile()
    {
        string path = TestPaths.X("rpcb_prot.x");
        var (driver, compilation) = Run([(path, File.ReadAllText(path), ItemMetadata("Consumer.Rpcb"))]);
        SyntaxTree old = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(
            "namespace Consumer; public static class Program { public static int Answer => 43; }", (CSharpParseOptions)old.Options, old.FilePath, cancellationToken: TestContext.Current.CancellationToken));
        driver = driver.RunGenerators(edited, TestContext.Current.CancellationToken);
        GeneratorRunResult run = driver.GetRunResult().Results[0];
        foreach (string step in new[] { OncRpcGenerator.InputStep, OncRpcGenerator.CompileStep })
        {
            ImmutableArray<IncrementalGeneratorRunStep> steps = run.TrackedSteps[step];
            Assert.NotEmpty(steps);
            Assert.All(steps.SelectMany(s => s.Outputs), o =>
                Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }
    }

    [Fact]
    public void Files_with_the_same_name_in_different_folders_get_distinct_hint_names()
    {
        var (driver, compilation) = Run([
            ("/proj/a/log.x", "struct a { int x; };", ItemMetadata("Consumer.A")),
            ("/proj/b/log.x", "struct b { int y; };", ItemMetadata("Consumer.B")),
        ]);
        GeneratorDriverRunResult result = driver.GetRunResult();
        Assert.Empty(result.Diagnostics);
        Assert.Equal(["log.2.g.cs", "log.g.cs"], result.Results[0].GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        Assert.Empty(Compile.Problems(compilation.AddSyntaxTrees(result.GeneratedTrees)));
    }

    [Fact]
    public void Items_without_oncrpc_metadata_are_ignored()
    {
        var (driver, _) = Run([("/proj/other.x", "this is not for us", [])]);
        Assert.Empty(driver.GetRunResult().Results[0].GeneratedSources);
        Assert.Empty(driver.GetRunResult().Diagnostics);
    }
}
