using System.Collections.Generic;

namespace OncRpc.Compiler.Lexing;

/// <summary>
/// Hands one file's comments to the tokens next to them, as trivia, by Roslyn's rule: a comment
/// that starts after a token on that token's line trails it; every other comment leads the next
/// token. Only code lines take part. A comment on a directive, a <c>%</c> line or a line that
/// <c>#if</c> leaves out belongs to that line, and such a line between a comment and the next token
/// ends the comment's claim on it: the comment documents the directive or the block it opens.
/// </summary>
internal sealed class CommentAttacher
{
    private readonly List<CommentTrivia> _comments;
    private int _next;
    private List<CommentTrivia>? _leading;

    public CommentAttacher(List<CommentTrivia> comments) => _comments = comments;

    /// <summary>Attaches the comments that start on lines <paramref name="firstLine"/> to
    /// <paramref name="lastLine"/> (one logical line; more than one physical line when spliced with
    /// <c>\</c>) to the tokens that line produced, <c>output[start..]</c>.</summary>
    public void AttachLine(List<Token> output, int start, int firstLine, int lastLine)
    {
        int end = output.Count;
        while (_next < _comments.Count && _comments[_next].Location.Line <= lastLine)
        {
            CommentTrivia comment = _comments[_next++];
            int before = TokenBefore(output, start, end, comment, firstLine);
            if (before < 0)
            {
                (_leading ??= new List<CommentTrivia>()).Add(comment);
            }
            else
            {
                Token token = output[before];
                output[before] = token.WithComments(token.LeadingComments, Append(token.TrailingComments, comment));
            }
        }
        if (_leading is not null && end > start)
        {
            output[start] = output[start].WithComments(_leading, output[start].TrailingComments);
            _leading = null;
        }
    }

    /// <summary>Drops the comments of a line that is not code, and the claim of those waiting for a token.</summary>
    public void SkipLines(int lastLine)
    {
        while (_next < _comments.Count && _comments[_next].Location.Line <= lastLine)
        {
            _next++;
        }
        _leading = null;
    }

    /// <summary>The index of the token the comment trails, or -1 when it leads. Every token of a
    /// logical line carries its first line's number, macro expansions included (they take the use
    /// site's location), and columns grow along the line.</summary>
    private static int TokenBefore(List<Token> output, int start, int end, CommentTrivia comment, int firstLine)
    {
        if (comment.Location.Line > firstLine)
        {
            // On a continuation of a spliced line, whose columns no longer match the text: the line's last token.
            return end > start ? end - 1 : -1;
        }
        int found = -1;
        for (int i = start; i < end && output[i].Location.Column < comment.Location.Column; i++)
        {
            found = i;
        }
        return found;
    }

    private static IReadOnlyList<CommentTrivia> Append(IReadOnlyList<CommentTrivia> existing, CommentTrivia comment)
    {
        var list = new List<CommentTrivia>(existing.Count + 1);
        list.AddRange(existing);
        list.Add(comment);
        return list;
    }
}
