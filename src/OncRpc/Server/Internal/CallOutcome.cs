namespace OncRpc.Server.Internal;

/// <summary>How a call ended, for the reply and the metrics.</summary>
internal enum CallOutcome
{
    /// <summary>No reply: the message was not a call we can answer (no xid, a REPLY, a truncated
    /// header), or the caller went away.</summary>
    Dropped,
    Success,
    ProgramUnavailable,
    ProgramMismatch,
    ProcedureUnavailable,
    GarbageArguments,
    SystemError,
    RpcMismatch,
    AuthError,

    /// <summary>Answered from the duplicate-request cache, not executed again.</summary>
    Replayed,
}

internal static class CallOutcomeExtensions
{
    /// <summary>A stable, allocation-free name for metrics tags.</summary>
    public static string ToTagValue(this CallOutcome outcome) => outcome switch
    {
        CallOutcome.Dropped => "dropped",
        CallOutcome.Success => "SUCCESS",
        CallOutcome.ProgramUnavailable => "PROG_UNAVAIL",
        CallOutcome.ProgramMismatch => "PROG_MISMATCH",
        CallOutcome.ProcedureUnavailable => "PROC_UNAVAIL",
        CallOutcome.GarbageArguments => "GARBAGE_ARGS",
        CallOutcome.SystemError => "SYSTEM_ERR",
        CallOutcome.RpcMismatch => "RPC_MISMATCH",
        CallOutcome.Replayed => "REPLAYED",
        _ => "AUTH_ERROR",
    };
}
