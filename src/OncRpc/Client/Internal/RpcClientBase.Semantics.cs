using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using OncRpc.Auth;
using OncRpc.Diagnostics;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// Sending a call as its procedure's semantics ask (docs/semantics.md). At-least-once calls go
/// out once per attempt of the transport (UDP retransmits within it); a lost connection fails
/// them with <see cref="RpcStatus.ConnectionLost"/> and the caller may call again. At-most-once
/// calls keep their xid and one deadline: when the connection is lost they are resent, same xid,
/// on the next connection, so the server's duplicate-request cache answers a call that already ran
/// instead of running it twice. Maybe calls are sent one-way.
/// </summary>
internal abstract partial class RpcClientBase
{
    /// <summary>Resends of one at-most-once call after lost connections, at most (a server that
    /// drops every connection must not keep a caller reconnecting until its deadline).</summary>
    private const int MaxResends = 16;

    private ValueTask<TResult> SendAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, RpcCredentials credentials, TimeSpan timeout,
        CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult> =>
        procedure.Semantics == RpcCallSemantics.AtMostOnce
            ? SendAtMostOnceAsync<TArgs, TResult>(procedure, arguments, credential, NewAttempt(credentials, timeout), cancellationToken)
            : StartCallAsync<TArgs, TResult>(procedure, arguments, credential, NewAttempt(credentials, timeout), cancellationToken);

    /// <summary>Every send of <paramref name="attempt"/> keeps its xid and its one deadline.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResult> SendAtMostOnceAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        for (int resends = 0; ; resends++)
        {
            try
            {
                return await StartCallAsync<TArgs, TResult>(procedure, arguments, credential, attempt, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (RpcException e) when (MayResend(e, attempt, resends, procedure))
            {
            }
        }
    }

    /// <summary>The blocking twin of <see cref="SendAsync"/>.</summary>
    private TResult Send<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, RpcCredentials credentials, TimeSpan timeout,
        CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        CallAttempt attempt = NewAttempt(credentials, timeout);
        if (procedure.Semantics != RpcCallSemantics.AtMostOnce)
        {
            return CallCore<TArgs, TResult>(procedure, arguments, credential, attempt, cancellationToken);
        }
        for (int resends = 0; ; resends++)
        {
            try
            {
                return CallCore<TArgs, TResult>(procedure, arguments, credential, attempt, cancellationToken);
            }
            catch (RpcException e) when (MayResend(e, attempt, resends, procedure))
            {
            }
        }
    }

    /// <summary>The connection was lost with the call in flight: it may or may not have run, and
    /// only a resend with the same xid can tell without running it twice.</summary>
    private bool MayResend(RpcException e, in CallAttempt attempt, int resends, RpcProcedureDescriptor procedure)
    {
        if (e.Status != RpcStatus.ConnectionLost || !Options.Reconnect || resends >= MaxResends
            || Options.Clock.NowMs >= attempt.DeadlineMs)
        {
            return false;
        }
        if (Logger.IsEnabled(LogLevel.Information))
        {
            ClientLog.ResendingAfterConnectionLoss(Logger, LogNames.Procedure(procedure), LogNames.Program(procedure), LogNames.Version(procedure),
                attempt.Xid, e.Message);
        }
        return true;
    }

    private async ValueTask<TResult> CallOneWayAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCredentials credentials, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        await SendOneWayCoreAsync(procedure, arguments, credentials, cancellationToken).ConfigureAwait(false);
        return default!;
    }
}
