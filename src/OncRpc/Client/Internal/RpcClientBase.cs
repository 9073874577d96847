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
/// per-call overrides (<see cref="RpcCallOptions"/>: resolved here into the call's
/// <see cref="CallAttempt"/>, so transports see one shape), deadlines, tracing and metrics. The fast path (AUTH_NONE or plain AUTH_SYS, no listener) goes straight to
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

    /// <summary>Encodes and sends one call with <paramref name="credential"/> (from
    /// <see cref="CallAttempt.Credentials"/>), the xid and deadline of <paramref name="attempt"/>,
    /// and returns its reply.</summary>
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

    /// <summary>Sends a one-way call with <paramref name="credentials"/>.</summary>
    protected abstract ValueTask SendOneWayCoreAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCredentials credentials, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>;

    /// <summary>A call whose record is encoded; <paramref name="started"/>: when encoding began
    /// (<see cref="ClientPhases.Timestamp"/>, 0 when phase timing is off).</summary>
    protected TypedPendingCall<TResult> NewCall<TResult>(in CallAttempt attempt, RpcProcedureDescriptor procedure, OpaqueAuth credential,
        long started)
        where TResult : IXdrSerializable<TResult>
    {
        TypedPendingCall<TResult> call = TypedPendingCall<TResult>.Rent();
        call.Xid = attempt.Xid;
        call.DeadlineTicks = attempt.DeadlineMs;
        call.Timeout = attempt.Timeout;
        call.Procedure = procedure;
        call.Credentials = attempt.Credentials;
        call.CredentialSent = credential;
        ClientPhases.Begin(call, started);
        return call;
    }

    /// <summary>Sets a raw call's deadline from the client's timeout.</summary>
    protected void SetDeadline(PendingCall call)
    {
        call.Timeout = Options.Timeout;
        call.DeadlineTicks = Options.Clock.DeadlineAfter(Options.Timeout);
    }

    /// <summary>A new xid, the deadline <paramref name="timeout"/> from now, and the credentials to send.</summary>
    private CallAttempt NewAttempt(RpcCredentials credentials, TimeSpan timeout) =>
        new(NextXid(), Options.Clock.DeadlineAfter(timeout), timeout, credentials);

    /// <summary>The call's timeout: its own, checked as the client's is, or the client's.</summary>
    private TimeSpan TimeoutOf(in RpcCallOptions options)
    {
        if (options.Timeout is not { } timeout)
        {
            return Options.Timeout;
        }
        if (timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "a call's timeout must be positive or infinite");
        }
        return timeout;
    }

    public sealed override ValueTask<TResult> CallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default) =>
        StartAsync<TArgs, TResult>(procedure, arguments, Credentials, Options.Timeout, cancellationToken);

    public sealed override ValueTask<TResult> CallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCallOptions options, CancellationToken cancellationToken = default) =>
        StartAsync<TArgs, TResult>(procedure, arguments, options.Credentials ?? Credentials, TimeoutOf(options), cancellationToken);

    public sealed override ValueTask SendOneWayAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        return SendOneWayCoreAsync(procedure, arguments, Credentials, cancellationToken);
    }

    /// <summary>Every asynchronous call, overridden or not: the fast path (no telemetry, no
    /// session state in the credentials) goes straight to the transport.</summary>
    private ValueTask<TResult> StartAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCredentials credentials, TimeSpan timeout, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        ArgumentNullException.ThrowIfNull(procedure);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TResult>(cancellationToken);
        }
        if (procedure.Semantics == RpcCallSemantics.Maybe)
        {
            return CallOneWayAsync<TArgs, TResult>(procedure, arguments, credentials, cancellationToken);
        }
        if (!ClientTelemetry.IsEnabled && !credentials.HasSessionState)
        {
            return SendAsync<TArgs, TResult>(procedure, arguments, credentials.GetCredential(), credentials, timeout, cancellationToken);
        }
        return CallWithPolicyAsync<TArgs, TResult>(procedure, arguments, credentials, timeout, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResult> CallWithPolicyAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCredentials credentials, TimeSpan timeout, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        using Activity? activity = ClientTelemetry.StartActivity(procedure, TransportName);
        long start = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            OpaqueAuth credential = credentials.GetCredential();
            try
            {
                return await SendAsync<TArgs, TResult>(procedure, arguments, credential, credentials, timeout, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (RpcException e) when (e.Status == RpcStatus.AuthError)
            {
                if (!await credentials.OnRejectedAsync(credential, e.AuthStat, cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }
                // The server forgot our short handle (AUTH_REJECTEDCRED) or our RPCSEC_GSS context
                // (renegotiated now): once more with a fresh credential, as libtirpc's auth refresh does.
                return await SendAsync<TArgs, TResult>(procedure, arguments, credentials.GetCredential(), credentials, timeout, cancellationToken)
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
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default) =>
        CallBlocking<TArgs, TResult>(procedure, arguments, Credentials, Options.Timeout, cancellationToken);

    public sealed override TResult Call<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCallOptions options, CancellationToken cancellationToken = default) =>
        CallBlocking<TArgs, TResult>(procedure, arguments, options.Credentials ?? Credentials, TimeoutOf(options), cancellationToken);

    /// <summary>The blocking twin of <see cref="StartAsync"/>.</summary>
    private TResult CallBlocking<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCredentials credentials, TimeSpan timeout, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        ArgumentNullException.ThrowIfNull(procedure);
        cancellationToken.ThrowIfCancellationRequested();
        if (procedure.Semantics == RpcCallSemantics.Maybe)
        {
            throw new NotSupportedException(
                $"procedure {procedure.DisplayName} is one-way (maybe): it has no reply to block for; use SendOneWayAsync");
        }
        if (!ClientTelemetry.IsEnabled && !credentials.HasSessionState)
        {
            return Send<TArgs, TResult>(procedure, arguments, credentials.GetCredential(), credentials, timeout, cancellationToken);
        }
        return CallWithPolicy<TArgs, TResult>(procedure, arguments, credentials, timeout, cancellationToken);
    }

    /// <summary><see cref="CallWithPolicyAsync"/> for the blocking path: same activity, metrics and AUTH_SHORT retry.</summary>
    private TResult CallWithPolicy<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCredentials credentials, TimeSpan timeout, CancellationToken cancellationToken)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        using Activity? activity = ClientTelemetry.StartActivity(procedure, TransportName);
        long start = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            OpaqueAuth credential = credentials.GetCredential();
            try
            {
                return Send<TArgs, TResult>(procedure, arguments, credential, credentials, timeout, cancellationToken);
            }
            catch (RpcException e) when (e.Status == RpcStatus.AuthError && credentials.OnRejected(credential, e.AuthStat))
            {
                // AUTH_REJECTEDCRED for a short handle: once more with the full credential.
                return Send<TArgs, TResult>(procedure, arguments, credentials.GetCredential(), credentials, timeout, cancellationToken);
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
