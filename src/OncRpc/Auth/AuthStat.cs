namespace OncRpc.Auth;

/// <summary>Why authentication failed (RFC 5531 §9 auth_stat).</summary>
public enum AuthStat
{
    Ok = 0,
    /// <summary>Bad credential (seal broken).</summary>
    BadCred = 1,
    /// <summary>Client must begin a new session.</summary>
    RejectedCred = 2,
    /// <summary>Bad verifier (seal broken).</summary>
    BadVerf = 3,
    /// <summary>Verifier expired or replayed.</summary>
    RejectedVerf = 4,
    /// <summary>Rejected for security reasons.</summary>
    TooWeak = 5,
    /// <summary>Bogus response verifier.</summary>
    InvalidResp = 6,
    /// <summary>Reason unknown.</summary>
    Failed = 7,
    KerbGeneric = 8,
    TimeExpire = 9,
    TktFile = 10,
    Decode = 11,
    NetAddr = 12,
    /// <summary>RPCSEC_GSS: no credentials for user.</summary>
    RpcSecGssCredProblem = 13,
    /// <summary>RPCSEC_GSS: problem with context.</summary>
    RpcSecGssCtxProblem = 14,
}
