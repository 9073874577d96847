using System;
using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Lexing;

namespace OncRpc.Compiler.Syntax;

/// <summary>
/// What a procedure promises when requests or replies are lost. Member for member the runtime's
/// <c>OncRpc.RpcCallSemantics</c> (the emitter writes these names into the generated descriptor);
/// repeated here because the compiler depends on nothing but the BCL.
/// </summary>
public enum CallSemantics
{
    /// <summary>May run again for a retransmission (idempotent). The default.</summary>
    AtLeastOnce,

    /// <summary>Runs at most once per call: retransmissions are answered from the duplicate-request cache.</summary>
    AtMostOnce,

    /// <summary>One-way: no reply, no retransmission; runs once or not at all.</summary>
    Maybe,
}

/// <summary>
/// A procedure's call-semantics annotation: a comment whose whole text is a keyword
/// (<c>/* at-most-once */</c>). A comment, so the <c>.x</c> file stays valid for rpcgen, which
/// never sees comments.
/// </summary>
public sealed class CallSemanticsSyntax
{
    // Case-insensitive and trimmed, so "/* At-Most-Once */" counts; any other word is prose.
    private static readonly Dictionary<string, CallSemantics> s_keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["at-least-once"] = CallSemantics.AtLeastOnce,
        ["idempotent"] = CallSemantics.AtLeastOnce,
        ["at-most-once"] = CallSemantics.AtMostOnce,
        ["maybe"] = CallSemantics.Maybe,
        ["one-way"] = CallSemantics.Maybe,
        ["oneway"] = CallSemantics.Maybe,
    };

    public CallSemanticsSyntax(CallSemantics semantics, string keyword, SourceLocation location)
    {
        Semantics = semantics;
        Keyword = keyword;
        Location = location;
    }

    public CallSemantics Semantics { get; }

    /// <summary>The keyword as written (trimmed), for messages.</summary>
    public string Keyword { get; }

    /// <summary>Where the comment starts.</summary>
    public SourceLocation Location { get; }

    /// <summary>Reads <paramref name="comment"/> as an annotation: null unless its whole text is a keyword.</summary>
    public static CallSemanticsSyntax? FromComment(CommentTrivia comment)
    {
        string keyword = comment.Text.Trim();
        return s_keywords.TryGetValue(keyword, out CallSemantics semantics)
            ? new CallSemanticsSyntax(semantics, keyword, comment.Location)
            : null;
    }
}
