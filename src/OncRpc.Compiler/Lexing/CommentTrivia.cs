using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Lexing;

/// <summary>
/// A comment kept as trivia of the token next to it (see <see cref="Token.LeadingComments"/> and
/// <see cref="Token.TrailingComments"/>). Comments mean nothing to the RPC language, and rpcgen
/// never sees them (cpp removes them), so the only reader is the parser looking for annotations
/// such as a procedure's call semantics (<c>/* at-most-once */</c>).
/// </summary>
public sealed class CommentTrivia
{
    public CommentTrivia(string text, SourceLocation location, int endLine)
    {
        Text = text;
        Location = location;
        EndLine = endLine;
    }

    /// <summary>The text between <c>/*</c> and <c>*/</c>, or after <c>//</c>, as written.</summary>
    public string Text { get; }

    /// <summary>Where the comment starts (its <c>/</c>); the length covers the first line.</summary>
    public SourceLocation Location { get; }

    /// <summary>The line of the closing <c>*/</c> (the start line for <c>//</c> comments).</summary>
    public int EndLine { get; }

    public override string ToString() => Text;
}
