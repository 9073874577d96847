namespace OncRpc;

/// <summary>Every way a remote call can end other than success: the protocol's own answers
/// (RFC 5531 §9 accept_stat and reject_stat) and the transport's outcomes.</summary>
public enum RpcStatus
{
    /// <summary>PROG_UNAVAIL: the server does not export the program.</summary>
    ProgramUnavailable,

    /// <summary>PROG_MISMATCH: the program is there, not this version; see low/high.</summary>
    ProgramMismatch,

    /// <summary>PROC_UNAVAIL: the program version has no such procedure.</summary>
    ProcedureUnavailable,

    /// <summary>GARBAGE_ARGS: the server could not decode the arguments.</summary>
    GarbageArguments,

    /// <summary>SYSTEM_ERR: the server failed, e.g. out of memory or the handler threw.</summary>
    SystemError,

    /// <summary>RPC_MISMATCH: the server does not speak RPC version 2; see low/high.</summary>
    RpcMismatch,

    /// <summary>AUTH_ERROR: the server refused the credentials; see <see cref="RpcException.AuthStat"/>.</summary>
    AuthError,

    /// <summary>The reply could not be decoded (bad XDR, wrong message type).</summary>
    CannotDecodeReply,

    /// <summary>The address could not be reached or resolved (connection refused, no route,
    /// no rpcbind registration).</summary>
    CannotBind,

    /// <summary>No reply in the call's timeout, retransmissions included.</summary>
    TimedOut,

    /// <summary>The connection closed or failed while the call was outstanding.</summary>
    ConnectionLost,

    /// <summary>The call or its reply exceeded a configured size limit.</summary>
    MessageTooLarge,

    /// <summary>RPC-with-TLS (RFC 9289) could not be set up: the server does not offer it, or the
    /// TLS handshake failed (certificate not trusted, expired or for another name; the peer
    /// refused ours).</summary>
    TlsFailed,
}
