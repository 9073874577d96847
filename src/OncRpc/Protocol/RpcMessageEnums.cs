namespace OncRpc.Protocol;

/// <summary>RFC 5531 §9 msg_type.</summary>
public enum RpcMessageType
{
    Call = 0,
    Reply = 1,
}

/// <summary>RFC 5531 §9 reply_stat.</summary>
public enum ReplyStat
{
    Accepted = 0,
    Denied = 1,
}

/// <summary>RFC 5531 §9 accept_stat.</summary>
public enum AcceptStat
{
    Success = 0,
    ProgramUnavailable = 1,
    ProgramMismatch = 2,
    ProcedureUnavailable = 3,
    GarbageArguments = 4,
    SystemError = 5,
}

/// <summary>RFC 5531 §9 reject_stat.</summary>
public enum RejectStat
{
    RpcMismatch = 0,
    AuthError = 1,
}
