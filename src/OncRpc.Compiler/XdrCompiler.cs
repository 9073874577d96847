using System;
using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Emit;
using OncRpc.Compiler.Lexing;
using OncRpc.Compiler.Parsing;
using OncRpc.Compiler.Semantics;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler;

/// <summary>Options for one compilation.</summary>
public sealed class XdrCompilerOptions
{
    /// <summary>C# namespace of the output.</summary>
    public string Namespace { get; set; } = "OncRpc.Generated";

    public bool GenerateClient { get; set; } = true;

    public bool GenerateServer { get; set; } = true;

    /// <summary>Preprocessor symbols, as cpp's -D (a null or empty value means 1). Starts with
    /// <c>RPC_HDR</c>, the symbol rpcgen defines when writing the header: the C# output plays that
    /// role (it declares the types), and .x files put header-only imports under it.</summary>
    public IDictionary<string, string?> Defines { get; } = new SortedDictionary<string, string?>(StringComparer.Ordinal) { ["RPC_HDR"] = "1" };

    /// <summary>Where <c>#include</c> looks after the including file's directory, as cpp's -I.</summary>
    public IList<string> IncludeDirectories { get; } = new List<string>();

    /// <summary>Reads included files; in-memory by default (nothing resolves).</summary>
    public SourceResolver SourceResolver { get; set; } = InMemorySourceResolver.Empty;

    /// <summary>Parses a services list shared by the CLI (<c>--services client,server</c>) and the
    /// MSBuild item (<c>Services="Client;Server"</c>): client, server, both or none, any case,
    /// separated by ',', ';' or spaces. False for an unknown word.</summary>
    public static bool TryParseServices(string? value, out bool client, out bool server)
    {
        client = server = false;
        foreach (string part in (value ?? string.Empty).Split(new[] { ',', ';', ' ' }, StringSplitOptions.RemoveEmptyEntries))
        {
            switch (part.Trim().ToLowerInvariant())
            {
                case "client":
                    client = true;
                    break;
                case "server":
                    server = true;
                    break;
                case "both":
                    client = server = true;
                    break;
                case "none":
                    break;
                default:
                    return false;
            }
        }
        return true;
    }
}

/// <summary>The outcome: generated C# (null when there are errors) and every diagnostic.</summary>
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
        if (ns.Length == 0)
        {
            return; // global namespace
        }
        foreach (string part in ns.Split('.'))
        {
            bool valid = part.Length > 0 && Lexer.IsIdentifierStart(part[0]) && Emit.Naming.Escape(part) == part;
            for (int i = 1; valid && i < part.Length; i++)
            {
                valid = Lexer.IsIdentifierPart(part[i]);
            }
            if (!valid)
            {
                bag.Report(DiagnosticDescriptors.InvalidOption, new SourceLocation(path, 0, 0, 0), "'" + ns + "' is not a valid C# namespace");
                return;
            }
        }
    }

    /// <summary>Compiles one .x file (the main file; includes are resolved through the options).</summary>
    public static XdrCompilationResult Compile(string path, string text, XdrCompilerOptions options)
    {
        var bag = new DiagnosticBag();
        SpecificationSyntax? syntax = null;
        SemanticModel? model = null;
        string? code = null;
        try
        {
            CheckNamespace(options.Namespace ?? string.Empty, path, bag);
            syntax = ParseCore(path, text, options, bag);
            model = new Binder(syntax, bag).Bind();
            if (!bag.HasErrors)
            {
                var emitOptions = new EmitOptions
                {
                    Namespace = options.Namespace ?? string.Empty,
                    Client = options.GenerateClient,
                    Server = options.GenerateServer,
                };
                code = new CSharpEmitter(model, emitOptions).Emit();
            }
        }
        catch (InsufficientExecutionStackException)
        {
            bag.Report(DiagnosticDescriptors.InputTooLarge, new SourceLocation(path, 1, 1), "definitions refer to each other too deeply to compile");
            code = null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            bag.Report(DiagnosticDescriptors.InternalError, new SourceLocation(path, 1, 1), e.GetType().Name + ": " + e.Message);
            code = null;
        }
        return new XdrCompilationResult(bag.HasErrors ? null : code, bag.Items, syntax, model);
    }
}
