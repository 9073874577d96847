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

        IncrementalValuesProvider<GeneratedFile> generated = inputs
            .Where(static input => input.Generate)
            .Combine(sources)
            .Select(static (pair, cancellationToken) => Compile(pair.Left, pair.Right, cancellationToken))
            .WithTrackingName(CompileStep);

        // Collected only to keep hint names unique (two log.x in different folders); the compile
        // step above stays per file and cached.
        // Where each diagnostic's help link points: the pages shipped in the package (or the
        // repository's docs/diagnostics), set by build/OncRpc.Generator.props, or the consumer's own URL.
        IncrementalValueProvider<string> helpBase = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.OncRpcDiagnosticsHelpBase", out string? value)
                ? value.Trim() : string.Empty);

        context.RegisterSourceOutput(generated.Collect().Combine(helpBase), static (output, pair) =>
        {
            (System.Collections.Immutable.ImmutableArray<GeneratedFile> files, string help) = pair;
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (GeneratedFile file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
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
            ns, services.Length == 0 ? "Client;Server" : services, Get("OncRpcDefines"), string.Join(";", includes));
    }

    internal static GeneratedFile Compile(XFileInput input, EquatableArray<XSource> sources, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var options = new XdrCompilerOptions
        {
            Namespace = input.Namespace,
            SourceResolver = new InMemorySourceResolver(sources.Select(s => new KeyValuePair<string, string>(s.Path, s.Text))),
        };
        var diagnostics = new List<DiagnosticInfo>();
        if (!XdrCompilerOptions.TryParseServices(input.Services, out bool client, out bool server))
        {
            diagnostics.Add(new DiagnosticInfo(OptionError(input.Path, "Services must list Client, Server, Both or None, not '" + input.Services + "'")));
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
        XdrCompilationResult result = XdrCompiler.Compile(input.Path, input.Text, options);
        diagnostics.AddRange(result.Diagnostics.Select(d => new DiagnosticInfo(d)));
        string hintName = System.IO.Path.GetFileNameWithoutExtension(input.Path) + ".g.cs";
        bool failed = diagnostics.Any(d => d.IsError);
        return new GeneratedFile(input.Path, hintName, failed ? null : result.GeneratedCode, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
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
