using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using OncRpc.Compiler;
using OncRpc.Compiler.Lexing;

namespace OncRpc.Generator;

/// <summary>
/// Compiles the project's <c>OncRpcFile</c> items (.x files passed as AdditionalFiles with
/// metadata, see build/OncRpc.Generator.targets) to C# during the build. The pipeline starts from
/// AdditionalTextsProvider and the options provider only, and every step yields value-equatable
/// data, so editing C# never re-parses a .x file.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class OncRpcGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names, for tests and for reading generator timing output.</summary>
    public const string InputStep = "OncRpcInput";
    public const string CompileStep = "OncRpcCompile";

    private const string Metadata = "build_metadata.AdditionalFiles.";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<XFileInput> inputs = context.AdditionalTextsProvider
            .Where(static text => text.Path.EndsWith(".x", StringComparison.OrdinalIgnoreCase))
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, cancellationToken) => ReadInput(pair.Left, pair.Right, cancellationToken))
            .Where(static input => input is not null)
            .Select(static (input, _) => input!)
            .WithTrackingName(InputStep);

        // Every .x file can be an #include target of the others.
        IncrementalValueProvider<EquatableArray<XSource>> sources = inputs
            .Select(static (input, _) => new XSource(input.Path, input.Text))
            .Collect()
            .Select(static (all, _) => new EquatableArray<XSource>(all.OrderBy(s => s.Path, StringComparer.Ordinal).ToArray()));

        // OncRpcFile items of one namespace are compiled together: each sees the others'
        // definitions (rpcgen's C world links them into one program). The namespace is the scope
        // in which generated names must be unique anyway, so files in different namespaces may
        // define the same names, as they always could. A .x edit recompiles the set; a C# edit
        // reuses the cached result.
        IncrementalValueProvider<EquatableArray<GeneratedFile>> generated = inputs
            .Where(static input => input.Generate)
            .Collect()
            .Combine(sources)
            .Select(static (pair, cancellationToken) => Compile(pair.Left, pair.Right, cancellationToken))
            .WithTrackingName(CompileStep);

        // Where each diagnostic's help link points: the pages shipped in the package (or the
        // repository's docs/diagnostics), set by build/OncRpc.Generator.props, or the consumer's own URL.
        IncrementalValueProvider<string> helpBase = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.OncRpcDiagnosticsHelpBase", out string? value)
                ? value.Trim() : string.Empty);

        context.RegisterSourceOutput(generated.Combine(helpBase), static (output, pair) =>
        {
            (EquatableArray<GeneratedFile> files, string help) = pair;
            // Hint names unique (two log.x in different folders), as oncrpc gen names its files.
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (GeneratedFile file in files)
            {
                string hint = file.HintName;
                for (int i = 2; !used.Add(hint); i++)
                {
                    hint = file.HintName.Substring(0, file.HintName.Length - ".g.cs".Length) + "." + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
                }
                Emit(output, file, hint, help);
            }
        });
    }

    private static XFileInput? ReadInput(AdditionalText text, AnalyzerConfigOptionsProvider options, CancellationToken cancellationToken)
    {
        AnalyzerConfigOptions fileOptions = options.GetOptions(text);
        string Get(string name) => fileOptions.TryGetValue(Metadata + name, out string? value) ? value.Trim() : string.Empty;
        string kind = Get("OncRpcKind");
        if (kind.Length == 0)
        {
            return null; // a .x file that is not an OncRpcFile/OncRpcInclude item: not ours
        }
        string ns = Get("OncRpcNamespace");
        if (ns.Length == 0)
        {
            options.GlobalOptions.TryGetValue("build_property.RootNamespace", out string? root);
            ns = string.IsNullOrWhiteSpace(root) ? "OncRpc.Generated" : root!.Trim();
        }
        options.GlobalOptions.TryGetValue("build_property.MSBuildProjectDirectory", out string? projectDirectory);
        var includes = new List<string>();
        foreach (string directory in Get("OncRpcIncludeDirectories").Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            string trimmed = directory.Trim();
            bool rooted = trimmed.StartsWith("/", StringComparison.Ordinal) || (trimmed.Length > 1 && trimmed[1] == ':');
            includes.Add(rooted || string.IsNullOrEmpty(projectDirectory) ? trimmed : projectDirectory!.TrimEnd('/', '\\') + "/" + trimmed);
        }
        string content = text.GetText(cancellationToken)?.ToString() ?? string.Empty;
        string services = Get("OncRpcServices");
        return new XFileInput(SourceResolver.Normalize(text.Path), content, !string.Equals(kind, "Include", StringComparison.OrdinalIgnoreCase),
            ns, services.Length == 0 ? "Client;Server" : services, Get("OncRpcDefines"), string.Join(";", includes), Get("OncRpcExternTypes"));
    }

    internal static EquatableArray<GeneratedFile> Compile(System.Collections.Immutable.ImmutableArray<XFileInput> inputs, EquatableArray<XSource> sources,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var resolver = new InMemorySourceResolver(sources.Select(s => new KeyValuePair<string, string>(s.Path, s.Text)));
        // Path order: the same set gives the same bytes whatever order MSBuild lists it in (and
        // the order oncrpc gen uses).
        XFileInput[] ordered = inputs.OrderBy(i => i.Path, StringComparer.Ordinal).ToArray();
        var optionErrors = new List<DiagnosticInfo>[ordered.Length];
        var files = new XdrSourceFile[ordered.Length];
        for (int n = 0; n < ordered.Length; n++)
        {
            XFileInput input = ordered[n];
            optionErrors[n] = new List<DiagnosticInfo>();
            var options = new XdrCompilerOptions { Namespace = input.Namespace, SourceResolver = resolver };
            if (!XdrCompilerOptions.TryParseServices(input.Services, out bool client, out bool server))
            {
                optionErrors[n].Add(new DiagnosticInfo(OptionError(input.Path, "Services must list Client, Server, Both or None, not '" + input.Services + "'")));
            }
            if (XdrCompilerOptions.AddExternTypes(input.ExternTypes, options.ExternTypes) is { } externError)
            {
                optionErrors[n].Add(new DiagnosticInfo(OptionError(input.Path, externError)));
            }
            options.GenerateClient = client;
            options.GenerateServer = server;
            foreach (string define in input.Defines.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries))
            {
                int equals = define.IndexOf('=');
                options.Defines[(equals < 0 ? define : define.Substring(0, equals)).Trim()] = equals < 0 ? null : define.Substring(equals + 1).Trim();
            }
            foreach (string directory in input.IncludeDirectories.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries))
            {
                options.IncludeDirectories.Add(directory);
            }
            files[n] = new XdrSourceFile(input.Path, input.Text, options);
        }
        var results = new XdrCompilationResult[files.Length];
        foreach (IGrouping<string, int> group in Enumerable.Range(0, files.Length).GroupBy(n => ordered[n].Namespace, StringComparer.Ordinal))
        {
            int[] members = group.ToArray();
            IReadOnlyList<XdrCompilationResult> groupResults = XdrCompiler.Compile(members.Select(n => files[n]).ToArray());
            for (int k = 0; k < members.Length; k++)
            {
                results[members[k]] = groupResults[k];
            }
        }
        bool anyOptionError = optionErrors.Any(e => e.Count > 0);
        var generated = new GeneratedFile[ordered.Length];
        for (int n = 0; n < ordered.Length; n++)
        {
            var diagnostics = new List<DiagnosticInfo>(optionErrors[n]);
            diagnostics.AddRange(results[n].Diagnostics.Select(d => new DiagnosticInfo(d)));
            string hintName = System.IO.Path.GetFileNameWithoutExtension(ordered[n].Path) + ".g.cs";
            generated[n] = new GeneratedFile(ordered[n].Path, hintName, anyOptionError ? null : results[n].GeneratedCode,
                new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
        }
        return new EquatableArray<GeneratedFile>(generated);
    }

    private static OncRpc.Compiler.Diagnostics.Diagnostic OptionError(string path, string message) =>
        new(OncRpc.Compiler.Diagnostics.DiagnosticDescriptors.InvalidOption, new OncRpc.Compiler.Diagnostics.SourceLocation(path, 0, 0, 0), message);

    /// <summary>The help link of diagnostic <paramref name="id"/>: <paramref name="helpBase"/> + id + ".md",
    /// or null (no link) when no base is set, rather than a path the consumer does not have.</summary>
    internal static string? HelpLink(string helpBase, string id) =>
        helpBase.Length == 0 ? null : helpBase + (helpBase.EndsWith("/", StringComparison.Ordinal) ? "" : "/") + id + ".md";

    private static void Emit(SourceProductionContext context, GeneratedFile file, string hintName, string helpBase)
    {
        foreach (DiagnosticInfo info in file.Diagnostics)
        {
            var descriptor = new DiagnosticDescriptor(info.Id, info.Title, "{0}", "OncRpc",
                info.IsError ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning, isEnabledByDefault: true,
                helpLinkUri: HelpLink(helpBase, info.Id));
            // Roslyn prints the line span in MSBuild format: file.x(12,5): error ONCRPC1101: ...
            Location location = info.Line > 0
                ? Location.Create(info.Path, default(TextSpan), new LinePositionSpan(
                    new LinePosition(info.Line - 1, Math.Max(0, info.Column - 1)),
                    new LinePosition(info.Line - 1, Math.Max(0, info.Column - 1 + info.Length))))
                : Location.Create(info.Path, default(TextSpan), default(LinePositionSpan));
            context.ReportDiagnostic(Diagnostic.Create(descriptor, location, info.Message));
        }
        if (file.Code is not null)
        {
            context.AddSource(hintName, SourceText.From(file.Code, System.Text.Encoding.UTF8));
        }
    }
}
