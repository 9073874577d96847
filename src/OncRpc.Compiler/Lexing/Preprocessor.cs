using System;
using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Lexing;

/// <summary>
/// The part of cpp that <c>.x</c> files rely on (rpcgen runs them through cpp): object-like
/// <c>#define</c>/<c>#undef</c>, <c>#ifdef</c>/<c>#ifndef</c>/<c>#if</c>/<c>#elif</c>/<c>#else</c>/<c>#endif</c>
/// with <c>defined()</c> and integer expressions, <c>#include</c> of other .x files (with a cycle
/// guard), and <c>%</c> pass-through lines, which carry C code and are dropped for C#.
/// Output is one flat token list; every token keeps the file and position it came from.
/// </summary>
internal sealed partial class Preprocessor
{
    // Limits that turn hostile input into a diagnostic instead of a hang or an out-of-memory.
    private const int MaxIncludeDepth = 64;
    private const int MaxTokens = 2_000_000;
    private const int MaxExpansionDepth = 64;

    private readonly SourceResolver _resolver;
    private readonly IReadOnlyList<string> _includeDirectories;
    private readonly DiagnosticBag _diagnostics;
    private readonly Dictionary<string, List<Token>> _macros = new(StringComparer.Ordinal);
    private readonly List<string> _includeStack = new();
    private readonly List<Token> _output = new();
    private readonly HashSet<string> _processed = new(StringComparer.Ordinal);

    /// <summary><c>%#define NAME value</c> lines seen in active regions, in order.</summary>
    public List<PassThroughDefine> PassThroughDefines { get; } = new();

    /// <summary>Files read through a <c>%#include</c> (and what they include): their definitions
    /// are referenced but not generated, as rpcgen leaves them to their own header.</summary>
    public HashSet<string> ImportedFiles { get; } = new(StringComparer.Ordinal);

    private int _importDepth;
    private bool _tooLarge;

    public Preprocessor(SourceResolver resolver, IReadOnlyList<string> includeDirectories,
        IEnumerable<KeyValuePair<string, string>> defines, DiagnosticBag diagnostics)
    {
        _resolver = resolver;
        _includeDirectories = includeDirectories;
        _diagnostics = diagnostics;
        foreach (KeyValuePair<string, string> define in defines)
        {
            var tokens = new List<Token>();
            Lexer.Tokenize(define.Value ?? "1", "<command line>", 0, 1, tokens, diagnostics);
            _macros[define.Key] = tokens;
        }
    }

    /// <summary>Preprocesses <paramref name="text"/> (the file at <paramref name="path"/>) and
    /// everything it includes; ends the list with an end-of-file token.</summary>
    public List<Token> Run(string path, string text)
    {
        ProcessFile(path, text, SourceLocation.None);
        SourceLocation end = _output.Count > 0 ? _output[_output.Count - 1].Location : new SourceLocation(path, 1, 1, 0);
        _output.Add(new Token(TokenKind.EndOfFile, string.Empty, new SourceLocation(end.FilePath, end.Line, end.Column + end.Length, 0)));
        return _output;
    }

    private sealed class Conditional
    {
        public bool ParentActive;
        public bool Active;
        public bool Taken;
        public bool SeenElse;
        public SourceLocation Location;
    }

    private void ProcessFile(string path, string text, SourceLocation includedFrom)
    {
        string key = SourceResolver.Normalize(path);
        if (_includeStack.Contains(key))
        {
            _diagnostics.Report(DiagnosticDescriptors.IncludeCycle, includedFrom, path);
            return;
        }
        if (_includeStack.Count >= MaxIncludeDepth)
        {
            _diagnostics.Report(DiagnosticDescriptors.InputTooLarge, includedFrom, "#include nesting is deeper than " + MaxIncludeDepth);
            return;
        }
        _includeStack.Add(key);
        _processed.Add(key);
        if (_importDepth > 0)
        {
            ImportedFiles.Add(path);
        }
        try
        {
            if (text.Length > 0 && text[0] == '\uFEFF')
            {
                text = text.Substring(1); // a UTF-8 byte order mark read as text
            }
            var comments = new List<CommentTrivia>();
            string stripped = Lexer.StripComments(text, path, _diagnostics, comments);
            var attacher = new CommentAttacher(comments);
            string[] lines = stripped.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
            var conditionals = new Stack<Conditional>();
            for (int index = 0; index < lines.Length && !_tooLarge; index++)
            {
                int lineNumber = index + 1;
                string line = lines[index];
                int indent = 0;
                while (indent < line.Length && (line[indent] == ' ' || line[indent] == '\t'))
                {
                    indent++;
                }
                bool active = conditionals.Count == 0 || conditionals.Peek().Active;
                // Backslash-newline splices lines before anything else (C translation phase 2),
                // in directives and '%' lines alike.
                while (line.EndsWith("\\", StringComparison.Ordinal) && index + 1 < lines.Length)
                {
                    index++;
                    line = line.Substring(0, line.Length - 1) + " " + lines[index];
                }
                if (indent < line.Length && line[indent] == '#')
                {
                    attacher.SkipLines(index + 1);
                    Directive(path, lineNumber, indent + 2, line.Substring(indent + 1), conditionals, active);
                    continue;
                }
                if (!active)
                {
                    attacher.SkipLines(index + 1);
                    continue;
                }
                if (indent < line.Length && line[indent] == '%')
                {
                    // C pass-through: meaningful to rpcgen's C output only, except what .x files lean on.
                    attacher.SkipLines(index + 1);
                    PassThrough(path, lineNumber, indent + 1, line.Substring(indent + 1));
                    continue;
                }
                var tokens = new List<Token>();
                Lexer.Tokenize(line, path, lineNumber, 1, tokens, _diagnostics);
                int start = _output.Count;
                Expand(tokens, _output, 0, new HashSet<string>(StringComparer.Ordinal));
                attacher.AttachLine(_output, start, lineNumber, index + 1);
            }
            foreach (Conditional open in conditionals)
            {
                _diagnostics.Report(DiagnosticDescriptors.ConditionalMismatch, open.Location, "#if without #endif");
            }
        }
        finally
        {
            _includeStack.RemoveAt(_includeStack.Count - 1);
        }
    }

    /// <summary>Appends <paramref name="tokens"/> to <paramref name="output"/>, replacing object-like
    /// macros by their (recursively expanded) bodies at the use site's location.</summary>
    private void Expand(List<Token> tokens, List<Token> output, int depth, HashSet<string> expanding)
    {
        foreach (Token token in tokens)
        {
            if (output.Count >= MaxTokens)
            {
                if (!_tooLarge)
                {
                    _tooLarge = true;
                    _diagnostics.Report(DiagnosticDescriptors.InputTooLarge, token.Location, "more than " + MaxTokens + " tokens after preprocessing");
                }
                return;
            }
            if (token.Kind == TokenKind.Identifier && !expanding.Contains(token.Text) && _macros.TryGetValue(token.Text, out List<Token>? body))
            {
                if (depth >= MaxExpansionDepth)
                {
                    _diagnostics.Report(DiagnosticDescriptors.MacroExpansionLimit, token.Location, token.Text);
                    continue;
                }
                var relocated = new List<Token>(body.Count);
                foreach (Token b in body)
                {
                    relocated.Add(b.WithLocation(token.Location));
                }
                expanding.Add(token.Text);
                Expand(relocated, output, depth + 1, expanding);
                expanding.Remove(token.Text);
                continue;
            }
            output.Add(token);
        }
    }

    /// <summary>
    /// Two kinds of <c>%</c> line matter beyond C: <c>%#define NAME value</c> (files use NAME as a
    /// size, relying on the C compiler) and <c>%#include "x.h"</c> / <c>&lt;dir/x.h&gt;</c> where x.h is
    /// rpcgen's output for a findable x.x (nis_callback.x gets nis_object from rpcsvc/nis.h). The
    /// latter is read like an #include, once, with cycles and misses ignored: it is only C to rpcgen.
    /// </summary>
    private void PassThrough(string path, int line, int column, string text)
    {
        string trimmed = text.TrimStart();
        if (!trimmed.StartsWith("#", StringComparison.Ordinal))
        {
            return;
        }
        int offset = column + (text.Length - trimmed.Length) + 1;
        var scratch = new DiagnosticBag(); // C syntax need not be valid .x syntax: never report on it
        var tokens = new List<Token>();
        Lexer.Tokenize(trimmed.Substring(1), path, line, offset, tokens, scratch);
        if (tokens.Count >= 3 && tokens[0].Text == "define" && tokens[1].Kind == TokenKind.Identifier && !scratch.HasErrors)
        {
            int nameEnd = trimmed.IndexOf(tokens[1].Text, StringComparison.Ordinal) + tokens[1].Text.Length;
            if (nameEnd < trimmed.Length && trimmed[nameEnd] == '(')
            {
                return; // function-like: C only
            }
            List<Token> body = tokens.GetRange(2, tokens.Count - 2);
            PassThroughDefines.Add(new PassThroughDefine(tokens[1].Text, body, string.Join(" ", body.ConvertAll(t => t.Text)), tokens[1].Location));
            return;
        }
        if (tokens.Count >= 1 && tokens[0].Text == "include")
        {
            string rest = trimmed.Substring(1).TrimStart().Substring("include".Length).Trim();
            if (rest.Length < 3 || !((rest[0] == '"' && rest[rest.Length - 1] == '"') || (rest[0] == '<' && rest[rest.Length - 1] == '>')))
            {
                return;
            }
            string header = rest.Substring(1, rest.Length - 2).Trim();
            if (!header.EndsWith(".h", StringComparison.Ordinal))
            {
                return;
            }
            string xfile = header.Substring(0, header.Length - 2) + ".x";
            try
            {
                if (_resolver.TryResolve(path, xfile, _includeDirectories, out string found, out string source) &&
                    !_processed.Contains(SourceResolver.Normalize(found)) && _includeStack.Count < MaxIncludeDepth)
                {
                    _importDepth++;
                    try
                    {
                        ProcessFile(found, source, tokens[0].Location);
                    }
                    finally
                    {
                        _importDepth--;
                    }
                }
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                // Only C to rpcgen: a header that cannot be read as .x is not an error.
            }
        }
    }
}

/// <summary>A <c>%#define</c> seen while preprocessing.</summary>
internal sealed class PassThroughDefine
{
    public PassThroughDefine(string name, List<Token> body, string text, SourceLocation location)
    {
        Name = name;
        Body = body;
        Text = text;
        Location = location;
    }

    public string Name { get; }

    public List<Token> Body { get; }

    public string Text { get; }

    public SourceLocation Location { get; }
}
