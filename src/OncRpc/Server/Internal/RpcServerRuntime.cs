using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OncRpc.Auth.Internal;
using OncRpc.Diagnostics;
using OncRpc.Protocol;
using OncRpc.Xdr;

namespace OncRpc.Server.Internal;

/// <summary>
/// What every transport of one server shares: the options snapshot, the pipeline, the pool of
/// call objects, the logger, and the token that aborts every call when a stop runs out of time.
/// </summary>
internal sealed class RpcServerRuntime : IDisposable
{
    private const int MaxPooledCalls = 1024;
    private readonly ConcurrentQueue<RpcCall> _pool = new();
    private int _pooled;
    private readonly CancellationTokenSource _abort = new();

    public RpcServerRuntime(RpcServerOptions options, RpcDispatcher dispatcher, ILogger logger)
    {
        Options = options;
        Logger = logger;
        ArgumentReaderOptions = options.ArgumentReaderOptions;
        ShortHandles = options.EnableAuthShort ? new ShortHandleCache(options.AuthShortCacheSize) : null;
        AbortToken = _abort.Token;
        Pipeline = new RpcCallPipeline(
            new HeaderStage(logger),
            new AuthStage(logger, options.AuthPolicy, ShortHandles),
            // A duplicate-request cache and per-call deadlines go here, between auth and dispatch.
            new DispatchStage(dispatcher, this));
    }

    public RpcServerOptions Options { get; }
    public ILogger Logger { get; }
    public XdrReaderOptions ArgumentReaderOptions { get; }
    public ShortHandleCache? ShortHandles { get; }
    public RpcCallPipeline Pipeline { get; }

    /// <summary>Fires when a stop runs out of time: every call's token is linked to it.</summary>
    public CancellationToken AbortToken { get; }

    public void AbortCalls()
    {
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public RpcCall RentCall(RpcTransportKind transport, int replyPrefix, CancellationToken cancellationToken)
    {
        if (_pool.TryDequeue(out RpcCall? call))
        {
            Interlocked.Decrement(ref _pooled);
        }
        else
        {
            call = new RpcCall();
        }
        call.Transport = transport;
        call.ReplyPrefix = replyPrefix;
        call.CancellationToken = cancellationToken;
        return call;
    }

    public void ReturnCall(RpcCall call)
    {
        if (call.Reset() && Interlocked.Increment(ref _pooled) <= MaxPooledCalls)
        {
            _pool.Enqueue(call);
            return;
        }
        call.Release();
    }

    /// <summary>Runs the pipeline and records telemetry. Never throws: an unexpected failure
    /// becomes SYSTEM_ERR when the call has an xid, a drop otherwise.</summary>
    public ValueTask ProcessAsync(RpcCall call)
    {
        call.StartTimestamp = Stopwatch.GetTimestamp();
        ValueTask pending;
        try
        {
            pending = Pipeline.InvokeAsync(call);
        }
        catch (Exception e)
        {
            OnPipelineFailed(call, e);
            Complete(call);
            return ValueTask.CompletedTask;
        }
        if (pending.IsCompletedSuccessfully)
        {
            Complete(call);
            return ValueTask.CompletedTask;
        }
        return AwaitPipelineAsync(pending, call);
    }

    private async ValueTask AwaitPipelineAsync(ValueTask pending, RpcCall call)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            OnPipelineFailed(call, e);
        }
        Complete(call);
    }

    private void OnPipelineFailed(RpcCall call, Exception e)
    {
        ServerLog.HandlerFailed(Logger, e, call.Program, call.Version, call.Procedure.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (call.HasXid)
        {
            call.ReplyAccepted(AcceptStat.SystemError);
        }
        else
        {
            call.Drop();
        }
    }

    private static void Complete(RpcCall call)
    {
        if (ServerTelemetry.MetricsEnabled)
        {
            ServerTelemetry.RecordCall(call.Program, call.Version, call.Procedure, call.Outcome.ToTagValue(),
                call.Outcome != CallOutcome.Success, call.StartTimestamp);
        }
    }

    public void OnGarbageArguments(RpcCall call, RpcProcedureDescriptor descriptor, Exception e)
    {
        if (Logger.IsEnabled(LogLevel.Debug))
        {
            ServerLog.GarbageArguments(Logger, call.Program, call.Version, descriptor.DisplayName,
                e is XdrException x ? x.Message : e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>Maps a handler's exception to the reply: cancellation after the caller left is
    /// a drop; an <see cref="RpcException"/> with a protocol status is that answer (so a handler
    /// can say GARBAGE_ARGS or AUTH_ERROR itself); anything else is SYSTEM_ERR, logged.</summary>
    public void OnHandlerFailed(RpcCall call, RpcProcedureDescriptor descriptor, Exception e, Activity? activity)
    {
        activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
        if (e is OperationCanceledException && call.CancellationToken.IsCancellationRequested)
        {
            call.Drop();
            return;
        }
        if (e is RpcException rpc)
        {
            switch (rpc.Status)
            {
                case RpcStatus.ProgramUnavailable: call.ReplyAccepted(AcceptStat.ProgramUnavailable); return;
                case RpcStatus.ProgramMismatch: call.ReplyAccepted(AcceptStat.ProgramMismatch, rpc.Low, rpc.High); return;
                case RpcStatus.ProcedureUnavailable: call.ReplyAccepted(AcceptStat.ProcedureUnavailable); return;
                case RpcStatus.GarbageArguments: call.ReplyAccepted(AcceptStat.GarbageArguments); return;
                case RpcStatus.AuthError: call.ReplyAuthError(rpc.AuthStat); return;
            }
        }
        ServerLog.HandlerFailed(Logger, e, call.Program, call.Version, descriptor.DisplayName);
        call.ReplyAccepted(AcceptStat.SystemError);
    }

    public void WriteResult<TResult>(RpcCall call, RpcProcedureDescriptor descriptor, TResult result, Activity? activity)
        where TResult : IXdrSerializable<TResult>
    {
        try
        {
            call.ReplySuccess(result);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            ServerLog.ResultEncodingFailed(Logger, e, call.Program, call.Version, descriptor.DisplayName);
            call.ReplyAccepted(AcceptStat.SystemError);
        }
    }

    public void Dispose()
    {
        _abort.Dispose();
        while (_pool.TryDequeue(out RpcCall? call))
        {
            call.Release();
        }
    }
}
