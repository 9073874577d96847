using System.Collections.Generic;
using System.Text;
using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Lexing;

/// <summary>
/// Turns comment-free text into tokens, one logical line at a time (the preprocessor works on
/// lines, as cpp does). Never throws: bad characters and bad numbers become diagnostics.
/// </summary>
internal static class Lexer
{
    /// <summary>Replaces every comment with spaces, keeping newlines and columns, so locations in
    /// later stages still point into the original text; the comments themselves go to
    /// <paramref name="comments"/>, in order, to become trivia. Double-quoted text is skipped over
    /// so a <c>"/*"</c> inside a <c>%</c> line does not swallow the file.</summary>
    public static string StripComments(string text, string filePath, DiagnosticBag diagnostics, List<CommentTrivia> comments)
    {
        var result = new StringBuilder(text.Length);
        int line = 1, column = 1;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '"')
            {
                // Copy a string literal through to its end or the end of the line.
                result.Append(c);
                i++;
                column++;
                while (i < text.Length && text[i] != '\n')
                {
                    char s = text[i];
                    result.Append(s);
                    i++;
                    column++;
                    if (s == '\\' && i < text.Length && text[i] != '\n')
                    {
                        result.Append(text[i]);
                        i++;
                        column++;
                    }
                    else if (s == '"')
                    {
                        break;
                    }
                }
                continue;
            }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                int startLine = line, startColumn = column;
                int textStart = i + 2;
                result.Append("  ");
                i += 2;
                column += 2;
                bool closed = false;
                while (i < text.Length)
                {
                    if (text[i] == '*' && i + 1 < text.Length && text[i + 1] == '/')
                    {
                        comments.Add(new CommentTrivia(text.Substring(textStart, i - textStart),
                            new SourceLocation(filePath, startLine, startColumn, line == startLine ? column + 2 - startColumn : 2), line));
                        result.Append("  ");
                        i += 2;
                        column += 2;
                        closed = true;
                        break;
                    }
                    if (text[i] == '\n')
                    {
                        result.Append('\n');
                        line++;
                        column = 1;
                    }
                    else
                    {
                        result.Append(' ');
                        column++;
                    }
                    i++;
                }
                if (!closed)
                {
                    diagnostics.Report(DiagnosticDescriptors.UnterminatedComment, new SourceLocation(filePath, startLine, startColumn, 2));
                }
                continue;
            }
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                int start = i;
                while (i < text.Length && text[i] != '\n')
                {
                    result.Append(' ');
                    i++;
                }
                // A CR of a CRLF ending is the line end's, not the comment's.
                int end = i > start + 2 && text[i - 1] == '\r' ? i - 1 : i;
                comments.Add(new CommentTrivia(text.Substring(start + 2, end - start - 2), new SourceLocation(filePath, line, column, end - start), line));
                column += i - start;
                continue;
            }
            result.Append(c);
            if (c == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
            i++;
        }
        return result.ToString();
    }

    /// <summary>Tokenizes <paramref name="text"/>, which starts at (<paramref name="line"/>,
    /// <paramref name="firstColumn"/>) of <paramref name="filePath"/>.</summary>
    public static void Tokenize(string text, string filePath, int line, int firstColumn, List<Token> output, DiagnosticBag diagnostics)
    {
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            int column = firstColumn + i;
            if (c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r' || c == '\n')
            {
                i++;
                continue;
            }
            if (IsIdentifierStart(c))
            {
                int start = i;
                while (i < text.Length && IsIdentifierPart(text[i]))
                {
                    i++;
                }
                string name = text.Substring(start, i - start);
                output.Add(new Token(TokenKind.Identifier, name, new SourceLocation(filePath, line, column, name.Length)));
                continue;
            }
            if (c >= '0' && c <= '9')
            {
                int start = i;
                while (i < text.Length && (IsIdentifierPart(text[i])))
                {
                    i++;
                }
                string literal = text.Substring(start, i - start);
                var location = new SourceLocation(filePath, line, column, literal.Length);
                if (!TryParseNumber(literal, out ulong value))
                {
                    diagnostics.Report(DiagnosticDescriptors.InvalidNumber, location, literal);
                }
                output.Add(new Token(TokenKind.Number, literal, location, value));
                continue;
            }
            if (c == '"')
            {
                int start = i;
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    i++;
                }
                bool closed = i < text.Length;
                string content = text.Substring(start + 1, i - start - 1);
                if (closed)
                {
                    i++;
                }
                else
                {
                    diagnostics.Report(DiagnosticDescriptors.UnexpectedCharacter, new SourceLocation(filePath, line, column), "\"");
                }
                output.Add(new Token(TokenKind.String, content, new SourceLocation(filePath, line, column, i - start)));
                continue;
            }
            TokenKind kind;
            int length = 1;
            char next = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (c)
            {
                case '{': kind = TokenKind.LeftBrace; break;
                case '}': kind = TokenKind.RightBrace; break;
                case '(': kind = TokenKind.LeftParen; break;
                case ')': kind = TokenKind.RightParen; break;
                case '[': kind = TokenKind.LeftBracket; break;
                case ']': kind = TokenKind.RightBracket; break;
                case ';': kind = TokenKind.Semicolon; break;
                case ',': kind = TokenKind.Comma; break;
                case ':': kind = TokenKind.Colon; break;
                case '*': kind = TokenKind.Star; break;
                case '-': kind = TokenKind.Minus; break;
                case '+': kind = TokenKind.Plus; break;
                case '/': kind = TokenKind.Slash; break;
                case '%': kind = TokenKind.Percent; break;
                case '~': kind = TokenKind.Tilde; break;
                case '^': kind = TokenKind.Caret; break;
                case '?': kind = TokenKind.Question; break;
                case '#': kind = TokenKind.Hash; break;
                case '=': (kind, length) = next == '=' ? (TokenKind.EqualsEquals, 2) : (TokenKind.Equals, 1); break;
                case '!': (kind, length) = next == '=' ? (TokenKind.BangEquals, 2) : (TokenKind.Bang, 1); break;
                case '&': (kind, length) = next == '&' ? (TokenKind.AmpAmp, 2) : (TokenKind.Ampersand, 1); break;
                case '|': (kind, length) = next == '|' ? (TokenKind.PipePipe, 2) : (TokenKind.Pipe, 1); break;
                case '<':
                    (kind, length) = next == '=' ? (TokenKind.LessEquals, 2) : next == '<' ? (TokenKind.LessLess, 2) : (TokenKind.Less, 1);
                    break;
                case '>':
                    (kind, length) = next == '=' ? (TokenKind.GreaterEquals, 2) : next == '>' ? (TokenKind.GreaterGreater, 2) : (TokenKind.Greater, 1);
                    break;
                default:
                    diagnostics.Report(DiagnosticDescriptors.UnexpectedCharacter, new SourceLocation(filePath, line, column),
                        c < ' ' || c > '~' ? "\\u" + ((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture) : c.ToString());
                    i++;
                    continue;
            }
            output.Add(new Token(kind, text.Substring(i, length), new SourceLocation(filePath, line, column, length)));
            i += length;
        }
    }

    public static bool IsIdentifierStart(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';

    public static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || (c >= '0' && c <= '9');

    /// <summary>C integer literals: decimal, 0x hex, leading-0 octal, with optional u/l suffixes
    /// (cpp accepts them in #define values that end up in bounds).</summary>
    public static bool TryParseNumber(string literal, out ulong value)
    {
        value = 0;
        int end = literal.Length;
        while (end > 0 && (literal[end - 1] == 'u' || literal[end - 1] == 'U' || literal[end - 1] == 'l' || literal[end - 1] == 'L'))
        {
            end--;
        }
        string digits = literal.Substring(0, end);
        int radix = 10;
        int start = 0;
        if (digits.Length > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        {
            radix = 16;
            start = 2;
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            radix = 8;
            start = 1;
        }
        if (start >= digits.Length)
        {
            return digits.Length > 0 && digits == "0";
        }
        ulong result = 0;
        for (int i = start; i < digits.Length; i++)
        {
            int d = Digit(digits[i]);
            if (d < 0 || d >= radix)
            {
                return false;
            }
            if (result > (ulong.MaxValue - (ulong)d) / (ulong)radix)
            {
                return false; // overflow
            }
            result = result * (ulong)radix + (ulong)d;
        }
        value = result;
        return true;
    }

    private static int Digit(char c) =>
        c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
