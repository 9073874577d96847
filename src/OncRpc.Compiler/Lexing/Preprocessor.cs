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
        try
        {
            string stripped = Lexer.StripComments(text, path, _diagnostics);
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
                if (indent < line.Length && line[indent] == '#')
                {
                    // A directive may continue over several lines with a trailing backslash.
                    string logical = line.Substring(indent + 1);
                    while (logical.EndsWith("\\", StringComparison.Ordinal) && index + 1 < lines.Length)
                    {
                        index++;
                        logical = logical.Substring(0, logical.Length - 1) + " " + lines[index];
                    }
                    Directive(path, lineNumber, indent + 2, logical, conditionals, active);
                    continue;
                }
                if (!active)
                {
                    continue;
                }
                if (indent < line.Length && line[indent] == '%')
                {
                    continue; // C pass-through: meaningful to rpcgen's C output only.
                }
                var tokens = new List<Token>();
                Lexer.Tokenize(line, path, lineNumber, 1, tokens, _diagnostics);
                Expand(tokens, _output, 0, new HashSet<string>(StringComparer.Ordinal));
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
}
