using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Auth;
using OncRpc.Diagnostics;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// What every transport shares: xid allocation, credentials (with the AUTH_SHORT fallback retry),
/// tracing and metrics. The fast path (AUTH_NONE or plain AUTH_SYS, no listener) goes straight to
/// the transport with no async state machine of its own.
/// </summary>
internal abstract partial class RpcClientBase : RpcClient
{
    private int _xid = Random.Shared.Next(); // RFC 5531 §9: xids start random so restarts do not reuse them

    protected RpcClientBase(RpcClientOptions options, string loggerCategory)
    {
        Options = options;
        Credentials = options.Credentials;
        Logger = options.LoggerFactory?.CreateLogger(loggerCategory) ?? NullLogger.Instance;
    }

    protected RpcClientOptions Options { get; }

    protected RpcCredentials Credentials { get; }

    protected ILogger Logger { get; }

    /// <summary>"tcp", "udp" or "unix" (OpenTelemetry network.transport).</summary>
    protected abstract string TransportName { get; }

    protected uint NextXid() => (uint)Interlocked.Increment(ref _xid);

    /// <summary>Encodes and sends one call with <paramref name="credential"/>, the xid and
    /// deadline of <paramref name="attempt"/>, and returns its reply.</summary>
    protected abstract ValueTask<TResult> StartCallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>;

    /// <summary>The blocking counterpart of <see cref="StartCallAsync"/>: sends, then waits on
    /// this thread (reading the socket itself when nobody else does).</summary>
    protected abstract TResult CallCore<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>;

    /// <summary>A call whose record is encoded; <paramref name="started"/>: when encoding began
    /// (<see cref="ClientPhases.Timestamp"/>, 0 when phase timing is off).</summary>
    protected TypedPendingCall<TResult> NewCall<TResult>(in CallAttempt attempt, RpcProcedureDescriptor procedure, OpaqueAuth credential,
        long started)
        where TResult : IXdrSerializable<TResult>
    {
        TypedPendingCall<TResult> call = TypedPendingCall<TResult>.Rent();
        call.Xid = attempt.Xid;
        call.DeadlineTicks = attempt.DeadlineMs;
        call.Procedure = procedure;
        call.Credentials = Credentials;
        call.CredentialSent = credential;
        ClientPhases.Begin(call, started);
        return call;
    }

    public sealed override ValueTask<TResult> CallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TResult>(cancellationToken);
        }
        if (procedure.Semantics == RpcCallSemantics.Maybe)
        {
            return CallOneWayAsync<TArgs, TResult>(procedure, arguments, cancellationToken);
        }
        if (!ClientTelemetry.IsEnabled && !Credentials.HasSessionState)
        {
            return SendAsync<TArgs, TResult>(procedure, arguments, Credentials.GetCredential(), cancellationToken);
        }
        return CallWithPolicyAsync<TArgs, TResult>(procedure, arguments, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResult> CallWithPolicyAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        using Activity? activity = ClientTelemetry.StartActivity(procedure, TransportName);
        long start = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            OpaqueAuth credential = Credentials.GetCredential();
            try
            {
                return await SendAsync<TArgs, TResult>(procedure, arguments, credential, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.Status == RpcStatus.AuthError && Credentials.OnRejected(credential, e.AuthStat))
            {
                // The server forgot our short handle (AUTH_REJECTEDCRED): once more with the full
                // credential, as libtirpc's auth refresh does.
                return await SendAsync<TArgs, TResult>(procedure, arguments, Credentials.GetCredential(), cancellationToken)
                    .ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            errorType = RecordFailure(activity, e);
            throw;
        }
        finally
        {
            ClientTelemetry.RecordDuration(procedure, start, errorType);
        }
    }

    public sealed override TResult Call<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        cancellationToken.ThrowIfCancellationRequested();
        if (procedure.Semantics == RpcCallSemantics.Maybe)
        {
            throw new NotSupportedException(
                $"procedure {procedure.DisplayName} is one-way (maybe): it has no reply to block for; use SendOneWayAsync");
        }
        if (!ClientTelemetry.IsEnabled && !Credentials.HasSessionState)
        {
            return Send<TArgs, TResult>(procedure, arguments, Credentials.GetCredential(), cancellationToken);
        }
        return CallWithPolicy<TArgs, TResult>(procedure, arguments, cancellationToken);
    }

    /// <summary><see cref="CallWithPolicyAsync"/> for the blocking path: same activity, metrics and AUTH_SHORT retry.</summary>
    private TResult CallWithPolicy<TArgs, TResult>(RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        using Activity? activity = ClientTelemetry.StartActivity(procedure, TransportName);
        long start = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            OpaqueAuth credential = Credentials.GetCredential();
            try
            {
                return Send<TArgs, TResult>(procedure, arguments, credential, cancellationToken);
            }
            catch (RpcException e) when (e.Status == RpcStatus.AuthError && Credentials.OnRejected(credential, e.AuthStat))
            {
                // AUTH_REJECTEDCRED for a short handle: once more with the full credential.
                return Send<TArgs, TResult>(procedure, arguments, Credentials.GetCredential(), cancellationToken);
            }
        }
        catch (Exception e)
        {
            errorType = RecordFailure(activity, e);
            throw;
        }
        finally
        {
            ClientTelemetry.RecordDuration(procedure, start, errorType);
        }
    }

    /// <summary>Marks the call's activity failed; returns the error.type for the duration metric.</summary>
    private static string? RecordFailure(Activity? activity, Exception e)
    {
        string errorType = RpcTelemetryTags.ErrorTypeOf(e);
        activity?.SetStatus(ActivityStatusCode.Error, e.Message);
        activity?.SetTag("error.type", errorType);
        return errorType;
    }
}
