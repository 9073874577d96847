using System;
using System.Collections.Generic;
using System.Linq;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Emit;
using OncRpc.Compiler.Lexing;
using OncRpc.Compiler.Parsing;
using OncRpc.Compiler.Semantics;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler;

/// <summary>One .x file of a compilation, with the options that steer it.</summary>
public sealed class XdrSourceFile
{
    public XdrSourceFile(string path, string text, XdrCompilerOptions options)
    {
        Path = path ?? throw new ArgumentNullException(nameof(path));
        Text = text ?? string.Empty;
        Options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public string Path { get; }

    public string Text { get; }

    public XdrCompilerOptions Options { get; }
}

/// <summary>The outcome for one file: generated C# (null when this file or another file of the
/// same compilation has errors, since their types refer to each other) and its diagnostics.</summary>
public sealed class XdrCompilationResult
{
    internal XdrCompilationResult(string? code, IReadOnlyList<Diagnostic> diagnostics, SpecificationSyntax? syntax, SemanticModel? model)
    {
        GeneratedCode = code;
        Diagnostics = diagnostics;
        Syntax = syntax;
        Model = model;
    }

    public string? GeneratedCode { get; }

    public IReadOnlyList<Diagnostic> Diagnostics { get; }

    public bool Success => GeneratedCode is not null;

    public SpecificationSyntax? Syntax { get; }

    public SemanticModel? Model { get; }
}

/// <summary>
/// .x text in, C# text and diagnostics out. Never throws for any input: lexing, preprocessing,
/// parsing and checking report diagnostics, and an unexpected failure becomes ONCRPC1302 rather
/// than an exception escaping into a build.
/// </summary>
public static class XdrCompiler
{
    /// <summary>Preprocesses and parses only.</summary>
    public static SpecificationSyntax Parse(string path, string text, XdrCompilerOptions options, out IReadOnlyList<Diagnostic> diagnostics)
    {
        var bag = new DiagnosticBag();
        SpecificationSyntax syntax;
        try
        {
            syntax = ParseCore(path, text, options, bag);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            bag.Report(DiagnosticDescriptors.InternalError, new SourceLocation(path, 1, 1), e.GetType().Name + ": " + e.Message);
            syntax = new SpecificationSyntax(path, Array.Empty<DefinitionSyntax>());
        }
        diagnostics = bag.Items;
        return syntax;
    }

    private static SpecificationSyntax ParseCore(string path, string text, XdrCompilerOptions options, DiagnosticBag bag)
    {
        var defines = new List<KeyValuePair<string, string>>();
        foreach (KeyValuePair<string, string?> define in options.Defines)
        {
            defines.Add(new KeyValuePair<string, string>(define.Key, string.IsNullOrEmpty(define.Value) ? "1" : define.Value!));
        }
        var preprocessor = new Preprocessor(options.SourceResolver, new List<string>(options.IncludeDirectories), defines, bag);
        List<Token> tokens = preprocessor.Run(path, text ?? string.Empty);
        SpecificationSyntax parsed = new Parser(tokens, bag).ParseSpecification(path);
        var definitions = new List<DefinitionSyntax>(parsed.Definitions);
        foreach (PassThroughDefine define in preprocessor.PassThroughDefines)
        {
            definitions.Add(new ConstSyntax(define.Name, ValueSyntax.FromExpression(define.Body, define.Text, define.Location), define.Location, isImplicit: true));
        }
        return new SpecificationSyntax(parsed.MainFile, definitions, preprocessor.ImportedFiles, parsed.BrokenNames);
    }

    /// <summary>A namespace that would not compile is reported here, not as errors in generated code.</summary>
    private static void CheckNamespace(string ns, string path, DiagnosticBag bag)
    {
        if (ns.Length > 0 && !Array.TrueForAll(ns.Split('.'), XdrCompilerOptions.IsIdentifier))
        {
            bag.Report(DiagnosticDescriptors.InvalidOption, new SourceLocation(path, 0, 0, 0), "'" + ns + "' is not a valid C# namespace");
        }
    }

    /// <summary>Compiles one .x file (the main file; includes are resolved through the options).</summary>
    public static XdrCompilationResult Compile(string path, string text, XdrCompilerOptions options) =>
        Compile(new[] { new XdrSourceFile(path, text, options) })[0];

    /// <summary>
    /// Compiles files together, as the <c>OncRpcFile</c> items of one project: each sees the
    /// others' definitions and gets its own output, which declares only its own definitions (and
    /// those it <c>#include</c>s, as with rpcgen). A definition reached from several files (one
    /// file <c>%#include</c>s another's header) is one definition; two different definitions of a
    /// name are an error naming both places. Results are in the order of <paramref name="files"/>;
    /// a diagnostic is reported once, with the file it is located in (or the first that reads it).
    /// </summary>
    public static IReadOnlyList<XdrCompilationResult> Compile(IReadOnlyList<XdrSourceFile> files)
    {
        if (files is null)
        {
            throw new ArgumentNullException(nameof(files));
        }
        var bags = new DiagnosticBag[files.Count];
        var syntaxes = new SpecificationSyntax?[files.Count];
        var codes = new string?[files.Count];
        var shared = new DiagnosticBag();
        IReadOnlyList<Symbol>? symbols = null;
        try
        {
            for (int i = 0; i < files.Count; i++)
            {
                bags[i] = new DiagnosticBag();
                CheckNamespace(files[i].Options.Namespace ?? string.Empty, files[i].Path, bags[i]);
                syntaxes[i] = ParseCore(files[i].Path, files[i].Text, files[i].Options, bags[i]);
            }
            var externTypes = new SortedDictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < files.Count; i++)
            {
                foreach (KeyValuePair<string, string> entry in new SortedDictionary<string, string>(files[i].Options.ExternTypes, StringComparer.Ordinal))
                {
                    if (XdrCompilerOptions.AddExternType(entry.Key, entry.Value ?? string.Empty, externTypes) is { } error)
                    {
                        bags[i].Report(DiagnosticDescriptors.InvalidOption, new SourceLocation(files[i].Path, 0, 0, 0), error);
                    }
                }
            }
            var outputFiles = new Dictionary<DefinitionSyntax, string?>();
            SpecificationSyntax merged = Merge(files, syntaxes!, outputFiles);
            symbols = new Binder(merged, outputFiles, externTypes, shared).Bind();
            bool failed = shared.HasErrors || Array.Exists(bags, b => b.HasErrors);
            if (!failed)
            {
                var namespaces = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (XdrSourceFile file in files)
                {
                    namespaces[file.Path] = file.Options.Namespace ?? string.Empty;
                }
                for (int i = 0; i < files.Count; i++)
                {
                    var emitOptions = new EmitOptions
                    {
                        Namespace = files[i].Options.Namespace ?? string.Empty,
                        Client = files[i].Options.GenerateClient,
                        Server = files[i].Options.GenerateServer,
                    };
                    codes[i] = new CSharpEmitter(new SemanticModel(files[i].Path, symbols), emitOptions, namespaces).Emit();
                }
            }
        }
        catch (InsufficientExecutionStackException)
        {
            shared.Report(DiagnosticDescriptors.InputTooLarge, new SourceLocation(files.Count > 0 ? files[0].Path : string.Empty, 1, 1), "definitions refer to each other too deeply to compile");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            shared.Report(DiagnosticDescriptors.InternalError, new SourceLocation(files.Count > 0 ? files[0].Path : string.Empty, 1, 1), e.GetType().Name + ": " + e.Message);
        }
        return Results(files, bags, syntaxes, symbols, codes, shared);
    }

    /// <summary>One list of definitions for the binder, each once: a definition is identified by
    /// where it is written, so the same text reached from two files is not a duplicate. Its output
    /// file is the file it is written in when that file is compiled too, else the first file that
    /// reads it with #include; none when only read through %#include.</summary>
    private static SpecificationSyntax Merge(IReadOnlyList<XdrSourceFile> files, SpecificationSyntax[] syntaxes,
        Dictionary<DefinitionSyntax, string?> outputFiles)
    {
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (XdrSourceFile file in files)
        {
            string key = SourceResolver.Normalize(file.Path);
            if (!members.ContainsKey(key))
            {
                members[key] = file.Path;
            }
        }
        var byPlace = new Dictionary<(string, int, int, string), DefinitionSyntax>();
        var definitions = new List<DefinitionSyntax>();
        var broken = new SortedSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < files.Count; i++)
        {
            if (syntaxes[i] is null)
            {
                continue;
            }
            var imported = new HashSet<string>(syntaxes[i].ImportedFiles, StringComparer.Ordinal);
            broken.UnionWith(syntaxes[i].BrokenNames);
            foreach (DefinitionSyntax definition in syntaxes[i].Definitions)
            {
                string file = SourceResolver.Normalize(definition.Location.FilePath);
                var place = (file, definition.Location.Line, definition.Location.Column, definition.Name);
                string? output = members.TryGetValue(file, out string? member) ? member
                    : imported.Contains(definition.Location.FilePath) ? null : files[i].Path;
                if (byPlace.TryGetValue(place, out DefinitionSyntax? first))
                {
                    if (outputFiles[first] is null)
                    {
                        outputFiles[first] = output;
                    }
                    continue;
                }
                byPlace[place] = definition;
                definitions.Add(definition);
                outputFiles[definition] = output;
            }
        }
        return new SpecificationSyntax(files.Count > 0 ? files[0].Path : string.Empty, definitions, null, broken);
    }

    private static IReadOnlyList<XdrCompilationResult> Results(IReadOnlyList<XdrSourceFile> files, DiagnosticBag[] bags,
        SpecificationSyntax?[] syntaxes, IReadOnlyList<Symbol>? symbols, string?[] codes, DiagnosticBag shared)
    {
        var lists = new List<Diagnostic>[files.Count];
        var seen = new HashSet<Diagnostic>();
        for (int i = 0; i < files.Count; i++)
        {
            lists[i] = new List<Diagnostic>();
            foreach (Diagnostic diagnostic in bags[i]?.Items ?? Array.Empty<Diagnostic>())
            {
                if (seen.Add(diagnostic))
                {
                    lists[i].Add(diagnostic);
                }
            }
        }
        foreach (Diagnostic diagnostic in shared.Items)
        {
            if (seen.Add(diagnostic) && files.Count > 0)
            {
                lists[ReporterOf(diagnostic.Location.FilePath, files, syntaxes)].Add(diagnostic);
            }
        }
        bool failed = shared.HasErrors || Array.Exists(bags, b => b is null || b.HasErrors) || Array.Exists(codes, c => c is null);
        var results = new XdrCompilationResult[files.Count];
        for (int i = 0; i < files.Count; i++)
        {
            results[i] = new XdrCompilationResult(failed ? null : codes[i], lists[i], syntaxes[i],
                symbols is null ? null : new SemanticModel(files[i].Path, symbols));
        }
        return results;
    }

    /// <summary>The file a diagnostic in <paramref name="path"/> is reported with: that file when it is
    /// compiled, else the first that reads it, else the first.</summary>
    private static int ReporterOf(string path, IReadOnlyList<XdrSourceFile> files, SpecificationSyntax?[] syntaxes)
    {
        for (int i = 0; i < files.Count; i++)
        {
            if (files[i].Path == path)
            {
                return i;
            }
        }
        for (int i = 0; i < files.Count; i++)
        {
            if (syntaxes[i] is { } syntax && syntax.Definitions.Any(d => d.Location.FilePath == path))
            {
                return i;
            }
        }
        return 0;
    }
}
