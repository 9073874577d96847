using OncRpc.Auth;

namespace OncRpc.Tool.Call;

/// <summary>Error and listing text that names things the way the .x does, program numbers in hex
/// (how .x files and RFCs write them): <c>BANK_PROG (0x20000099) version 1 WITHDRAW: garbage arguments</c>.</summary>
internal static class RpcNames
{
    public static string Program(string? name, uint number) =>
        name is null ? $"program 0x{number:x8}" : $"{name} (0x{number:x8})";

    /// <summary>What an <see cref="RpcException"/> means, in words, without the numbers the
    /// caller already prints.</summary>
    public static string Describe(RpcException e) => e.Status switch
    {
        RpcStatus.ProgramUnavailable => "program unavailable (PROG_UNAVAIL: the server does not export this program)",
        RpcStatus.ProgramMismatch => $"program version mismatch (PROG_MISMATCH: the server has versions {e.Low} to {e.High})",
        RpcStatus.ProcedureUnavailable => "procedure unavailable (PROC_UNAVAIL: this version has no such procedure)",
        RpcStatus.GarbageArguments => "garbage arguments (GARBAGE_ARGS: the server could not decode them)",
        RpcStatus.SystemError => "system error (SYSTEM_ERR: the server failed while running the procedure)",
        RpcStatus.RpcMismatch => $"RPC version mismatch (RPC_MISMATCH: the server speaks RPC versions {e.Low} to {e.High})",
        RpcStatus.AuthError => $"authentication error ({AuthStatName(e.AuthStat)})",
        RpcStatus.CannotDecodeReply => $"cannot decode the reply: {e.Message}",
        RpcStatus.CannotBind => $"cannot reach the server: {e.Message}",
        RpcStatus.TimedOut => $"timed out: {e.Message}",
        RpcStatus.ConnectionLost => $"connection lost: {e.Message}",
        RpcStatus.MessageTooLarge => $"message too large: {e.Message}",
        _ => e.Message,
    };

    /// <summary>RFC 5531 §9 auth_stat names with what they mean.</summary>
    public static string AuthStatName(AuthStat stat) => stat switch
    {
        AuthStat.Ok => "AUTH_OK",
        AuthStat.BadCred => "AUTH_BADCRED: bad credential (seal broken)",
        AuthStat.RejectedCred => "AUTH_REJECTEDCRED: the client must begin a new session",
        AuthStat.BadVerf => "AUTH_BADVERF: bad verifier (seal broken)",
        AuthStat.RejectedVerf => "AUTH_REJECTEDVERF: verifier expired or replayed",
        AuthStat.TooWeak => "AUTH_TOOWEAK: rejected for security reasons; try --auth sys",
        AuthStat.InvalidResp => "AUTH_INVALIDRESP: bogus response verifier",
        AuthStat.Failed => "AUTH_FAILED: reason unknown",
        _ => $"auth_stat {(int)stat}",
    };
}
