using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Lexing;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Parsing;

internal sealed partial class Parser
{
    /// <summary>
    /// A procedure's call semantics are a comment next to it: after its <c>= N;</c> on the same
    /// line (bank.x's form), or standing before it, on its line or the lines above, after the
    /// previous procedure. Those are the comments the lexer left as trivia of the procedure's first
    /// and last tokens; a keyword comment anywhere else annotates nothing. One declaration per
    /// procedure: a second one is an error rather than a silent choice between them.
    /// </summary>
    private CallSemanticsSyntax? ReadSemantics(string procedure, Token first, Token last)
    {
        CallSemanticsSyntax? found = null;
        foreach (IReadOnlyList<CommentTrivia> comments in new[] { first.LeadingComments, last.TrailingComments })
        {
            foreach (CommentTrivia comment in comments)
            {
                CallSemanticsSyntax? annotation = CallSemanticsSyntax.FromComment(comment);
                if (annotation is null)
                {
                    continue;
                }
                if (found is null)
                {
                    found = annotation;
                }
                else
                {
                    _diagnostics.Report(DiagnosticDescriptors.SemanticsDeclaredTwice, annotation.Location, procedure, found.Keyword, found.Location.Line);
                }
            }
        }
        return found;
    }
}
