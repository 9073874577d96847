using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Lexing;

/// <summary>One token. Numbers carry their magnitude (a leading minus is a separate token).</summary>
public readonly struct Token
{
    public Token(TokenKind kind, string text, SourceLocation location, ulong number = 0)
    {
        Kind = kind;
        Text = text;
        Location = location;
        Number = number;
    }

    public TokenKind Kind { get; }

    public string Text { get; }

    public SourceLocation Location { get; }

    /// <summary>The value of a <see cref="TokenKind.Number"/> token.</summary>
    public ulong Number { get; }

    public Token WithLocation(SourceLocation location) => new(Kind, Text, location, Number);

    /// <summary>How the token reads in an error message.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.EndOfFile => "end of file",
        TokenKind.Identifier => "'" + Text + "'",
        TokenKind.Number => "number " + Text,
        _ => "'" + Text + "'",
    };

    public override string ToString() => Text;
}
