using OncRpc.Auth;

namespace OncRpc;

/// <summary>
/// A remote call failed. <see cref="Status"/> says how; <see cref="Low"/>/<see cref="High"/> carry
/// the supported range of a PROG_MISMATCH or RPC_MISMATCH, <see cref="AuthStat"/> the reason of an
/// AUTH_ERROR.
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(RpcStatus status, string message, Exception? innerException = null)
        : base(message, innerException) => Status = status;

    public RpcException(RpcStatus status, string message, uint low, uint high)
        : base(message)
    {
        Status = status;
        Low = low;
        High = high;
    }

    public RpcException(AuthStat authStat, string message)
        : base(message)
    {
        Status = RpcStatus.AuthError;
        AuthStat = authStat;
    }

    /// <summary>How the call failed.</summary>
    public RpcStatus Status { get; }

    /// <summary>Lowest supported version, for <see cref="RpcStatus.ProgramMismatch"/> and <see cref="RpcStatus.RpcMismatch"/>.</summary>
    public uint Low { get; }

    /// <summary>Highest supported version, for <see cref="RpcStatus.ProgramMismatch"/> and <see cref="RpcStatus.RpcMismatch"/>.</summary>
    public uint High { get; }

    /// <summary>Why the server refused the credentials, for <see cref="RpcStatus.AuthError"/>.</summary>
    public AuthStat AuthStat { get; }

    /// <summary>True when trying the same call again may succeed: a timeout, a lost connection,
    /// a server that could not be reached, or a SYSTEM_ERR.</summary>
    public bool IsTransient => Status is RpcStatus.TimedOut or RpcStatus.ConnectionLost
        or RpcStatus.CannotBind or RpcStatus.SystemError;
}
