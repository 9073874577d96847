using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Lexing;

/// <summary>One token. Numbers carry their magnitude (a leading minus is a separate token).
/// Comments travel as trivia, as in Roslyn: a comment after a token on the same line trails it,
/// any other comment leads the next token.</summary>
public readonly struct Token
{
    private static readonly CommentTrivia[] s_noComments = new CommentTrivia[0];

    private readonly IReadOnlyList<CommentTrivia>? _leadingComments;
    private readonly IReadOnlyList<CommentTrivia>? _trailingComments;

    public Token(TokenKind kind, string text, SourceLocation location, ulong number = 0)
        : this(kind, text, location, number, null, null)
    {
    }

    private Token(TokenKind kind, string text, SourceLocation location, ulong number,
        IReadOnlyList<CommentTrivia>? leadingComments, IReadOnlyList<CommentTrivia>? trailingComments)
    {
        Kind = kind;
        Text = text;
        Location = location;
        Number = number;
        _leadingComments = leadingComments;
        _trailingComments = trailingComments;
    }

    public TokenKind Kind { get; }

    public string Text { get; }

    public SourceLocation Location { get; }

    /// <summary>The value of a <see cref="TokenKind.Number"/> token.</summary>
    public ulong Number { get; }

    /// <summary>Comments before the token that do not trail an earlier token on their line.</summary>
    public IReadOnlyList<CommentTrivia> LeadingComments => _leadingComments ?? s_noComments;

    /// <summary>Comments after the token on the same line (up to the next token or line end).</summary>
    public IReadOnlyList<CommentTrivia> TrailingComments => _trailingComments ?? s_noComments;

    public Token WithLocation(SourceLocation location) => new(Kind, Text, location, Number, _leadingComments, _trailingComments);

    public Token WithComments(IReadOnlyList<CommentTrivia>? leading, IReadOnlyList<CommentTrivia>? trailing) =>
        new(Kind, Text, Location, Number, leading, trailing);

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
