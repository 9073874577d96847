using OncRpc.Compiler.Semantics;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Emit;

/// <summary>What a procedure's call semantics (a <c>/* at-most-once */</c> comment in the .x file)
/// change in the output: the descriptor's <c>Semantics</c>, one sentence in each doc comment of the
/// procedure, and for a one-way (maybe) procedure a client that sends without waiting.</summary>
internal sealed partial class CSharpEmitter
{
    /// <summary><c> { VersionName = ..., Semantics = ... }</c> after the descriptor's constructor:
    /// the version's .x name (for logs and traces), and the semantics only when they differ from
    /// the runtime's default (at-least-once).</summary>
    private static string DescriptorInitializer(ProcedureSymbol procedure) =>
        procedure.Semantics == CallSemantics.AtLeastOnce ? " { VersionName = VersionXdrName }"
        : " { VersionName = VersionXdrName, Semantics = global::OncRpc.RpcCallSemantics." + procedure.Semantics + " }";

    /// <summary>The sentence every doc comment of the procedure ends with; empty when nothing is
    /// declared. A declared at-least-once is stated too: the author made a promise worth reading.</summary>
    private static string SemanticsSentence(ProcedureSymbol procedure) => procedure.DeclaredSemantics switch
    {
        CallSemantics.AtMostOnce => " At most once: the server answers a retransmission from its duplicate-request cache.",
        CallSemantics.AtLeastOnce => " At least once (idempotent): a retransmission may run it again, which does no harm.",
        CallSemantics.Maybe => " Maybe (one-way): the server sends no reply and nothing is retransmitted, so it runs once or not at all.",
        _ => string.Empty,
    };

    private static string Numbered(ProcedureSymbol procedure) =>
        "<c>" + procedure.Name + "</c> (procedure " + U(procedure.Number).TrimEnd('u') + ")";

    private static string AsyncSummary(ProcedureSymbol procedure) =>
        procedure.Semantics == CallSemantics.Maybe
            ? "Sends " + Numbered(procedure) + " without waiting for a reply: the task completes once the call is handed to the transport." + SemanticsSentence(procedure)
            : "Calls " + Numbered(procedure) + "." + SemanticsSentence(procedure);

    private static string BlockingSummary(ProcedureSymbol procedure) =>
        "Calls " + Numbered(procedure) + " and blocks until the reply." + SemanticsSentence(procedure);

    private static string HandlerSummary(ProcedureSymbol procedure) =>
        "Handles " + Numbered(procedure) + "." + SemanticsSentence(procedure);

    /// <summary>A one-way procedure has only the async form: RpcClient has no blocking one-way
    /// send, and wrapping the async one would be sync-over-async, which generated code never is.</summary>
    private static bool HasBlockingTwin(ProcedureSymbol procedure) => procedure.Semantics != CallSemantics.Maybe;
}
