using System;
using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Lexing;

internal sealed partial class Preprocessor
{
    private void Directive(string path, int line, int column, string text, Stack<Conditional> conditionals, bool active)
    {
        int i = 0;
        while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
        {
            i++;
        }
        int nameStart = i;
        while (i < text.Length && Lexer.IsIdentifierPart(text[i]))
        {
            i++;
        }
        string name = text.Substring(nameStart, i - nameStart);
        string rest = text.Substring(i);
        var location = new SourceLocation(path, line, column - 1, name.Length + 1);
        int restColumn = column + i;

        switch (name)
        {
            case "if":
            case "ifdef":
            case "ifndef":
            {
                bool value = active && Condition(name, rest, path, line, restColumn, location);
                conditionals.Push(new Conditional { ParentActive = active, Active = value, Taken = value, Location = location });
                return;
            }
            case "elif":
            {
                if (conditionals.Count == 0)
                {
                    _diagnostics.Report(DiagnosticDescriptors.ConditionalMismatch, location, "#elif without #if");
                    return;
                }
                Conditional top = conditionals.Peek();
                if (top.SeenElse)
                {
                    _diagnostics.Report(DiagnosticDescriptors.ConditionalMismatch, location, "#elif after #else");
                }
                bool value = top.ParentActive && !top.Taken && Condition("if", rest, path, line, restColumn, location);
                top.Active = value;
                top.Taken |= value;
                return;
            }
            case "else":
            {
                if (conditionals.Count == 0)
                {
                    _diagnostics.Report(DiagnosticDescriptors.ConditionalMismatch, location, "#else without #if");
                    return;
                }
                Conditional top = conditionals.Peek();
                if (top.SeenElse)
                {
                    _diagnostics.Report(DiagnosticDescriptors.ConditionalMismatch, location, "#else after #else");
                }
                top.SeenElse = true;
                top.Active = top.ParentActive && !top.Taken;
                top.Taken = true;
                return;
            }
            case "endif":
                if (conditionals.Count == 0)
                {
                    _diagnostics.Report(DiagnosticDescriptors.ConditionalMismatch, location, "#endif without #if");
                }
                else
                {
                    conditionals.Pop();
                }
                return;
        }

        if (!active)
        {
            return; // Other directives in skipped regions are not even checked, as in cpp.
        }

        var tokens = new List<Token>();
        // "<dir/file.x>" is not made of .x tokens: an include's operand is checked by Include itself.
        Lexer.Tokenize(rest, path, line, restColumn, tokens, name == "include" ? new DiagnosticBag() : _diagnostics);
        switch (name)
        {
            case "define":
                Define(rest, tokens, location);
                return;
            case "undef":
                if (tokens.Count != 1 || tokens[0].Kind != TokenKind.Identifier)
                {
                    _diagnostics.Report(DiagnosticDescriptors.UnknownDirective, location, "#undef needs one macro name");
                    return;
                }
                _macros.Remove(tokens[0].Text);
                return;
            case "include":
                Include(path, rest, tokens, location);
                return;
            case "error":
                _diagnostics.Report(DiagnosticDescriptors.ErrorDirective, location, rest.Trim());
                return;
            case "pragma":
            case "ident":
            case "line":
            case "warning":
            case "":
                return; // Harmless to C# output; cpp passes most of these on to the compiler.
            default:
                _diagnostics.Report(DiagnosticDescriptors.UnknownDirective, location, "unknown directive #" + name);
                return;
        }
    }

    private void Define(string rest, List<Token> tokens, SourceLocation location)
    {
        if (tokens.Count == 0 || tokens[0].Kind != TokenKind.Identifier)
        {
            _diagnostics.Report(DiagnosticDescriptors.UnknownDirective, location, "#define needs a macro name");
            return;
        }
        Token name = tokens[0];
        // A '(' right after the name (no space) makes a function-like macro.
        int after = rest.IndexOf(name.Text, StringComparison.Ordinal) + name.Text.Length;
        if (after < rest.Length && rest[after] == '(')
        {
            _diagnostics.Report(DiagnosticDescriptors.UnsupportedMacro, name.Location, name.Text);
            return;
        }
        _macros[name.Text] = tokens.GetRange(1, tokens.Count - 1);
    }

    private void Include(string path, string rest, List<Token> tokens, SourceLocation location)
    {
        string? name = null;
        if (tokens.Count == 1 && tokens[0].Kind == TokenKind.String)
        {
            name = tokens[0].Text;
        }
        else
        {
            string trimmed = rest.Trim();
            if (trimmed.Length > 2 && trimmed[0] == '<' && trimmed[trimmed.Length - 1] == '>')
            {
                name = trimmed.Substring(1, trimmed.Length - 2).Trim();
            }
        }
        if (string.IsNullOrEmpty(name))
        {
            _diagnostics.Report(DiagnosticDescriptors.UnknownDirective, location, "#include needs \"file\" or <file>");
            return;
        }
        string found;
        string text;
        try
        {
            if (!_resolver.TryResolve(path, name!, _includeDirectories, out found, out text))
            {
                _diagnostics.Report(DiagnosticDescriptors.IncludeNotFound, location, name!);
                return;
            }
        }
        catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is System.IO.IOException || e is UnauthorizedAccessException)
        {
            _diagnostics.Report(DiagnosticDescriptors.IncludeFailed, location, name!, e.Message);
            return;
        }
        ProcessFile(found, text, location);
    }

    private bool Condition(string kind, string rest, string path, int line, int column, SourceLocation location)
    {
        var tokens = new List<Token>();
        Lexer.Tokenize(rest, path, line, column, tokens, _diagnostics);
        if (kind != "if")
        {
            if (tokens.Count != 1 || tokens[0].Kind != TokenKind.Identifier)
            {
                _diagnostics.Report(DiagnosticDescriptors.UnknownDirective, location, "#" + kind + " needs one macro name");
                return false;
            }
            bool defined = _macros.ContainsKey(tokens[0].Text);
            return kind == "ifdef" ? defined : !defined;
        }
        // defined(X) / defined X are resolved before macro expansion, as cpp does.
        var resolved = new List<Token>();
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Kind == TokenKind.Identifier && tokens[i].Text == "defined")
            {
                int j = i + 1;
                bool paren = j < tokens.Count && tokens[j].Kind == TokenKind.LeftParen;
                if (paren)
                {
                    j++;
                }
                if (j >= tokens.Count || tokens[j].Kind != TokenKind.Identifier || (paren && (j + 1 >= tokens.Count || tokens[j + 1].Kind != TokenKind.RightParen)))
                {
                    _diagnostics.Report(DiagnosticDescriptors.InvalidCondition, tokens[i].Location, "malformed defined()");
                    return false;
                }
                bool isDefined = _macros.ContainsKey(tokens[j].Text);
                resolved.Add(new Token(TokenKind.Number, isDefined ? "1" : "0", tokens[i].Location, isDefined ? 1UL : 0UL));
                i = paren ? j + 1 : j;
                continue;
            }
            resolved.Add(tokens[i]);
        }
        var expanded = new List<Token>();
        Expand(resolved, expanded, 0, new HashSet<string>(StringComparer.Ordinal));
        var evaluator = new ConditionEvaluator(expanded);
        if (!evaluator.TryEvaluate(out long value, out string error, out SourceLocation errorAt))
        {
            _diagnostics.Report(DiagnosticDescriptors.InvalidCondition, errorAt.Line > 0 ? errorAt : location, error);
            return false;
        }
        return value != 0;
    }
}
