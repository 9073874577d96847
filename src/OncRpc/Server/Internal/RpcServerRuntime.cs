using System.Collections.Frozen;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OncRpc.Auth.Internal;
using OncRpc.Diagnostics;
using OncRpc.Protocol;
using OncRpc.Server.Internal.DuplicateRequests;
using OncRpc.Xdr;

namespace OncRpc.Server.Internal;

/// <summary>
/// What every transport of one server shares: the options snapshot, the call lifecycle (pipeline
/// and pool of call objects), the logger, and the token that aborts every call when a stop runs
/// out of time.
/// </summary>
internal sealed class RpcServerRuntime : IDisposable
{
    private readonly CancellationTokenSource _abort = new();

    public RpcServerRuntime(RpcServerOptions options, RpcDispatcher dispatcher, ILogger logger)
    {
        Options = options;
        TlsOptions = options.Tls is { } tls ? Transport.Internal.TlsNegotiation.ServerOptions(tls) : null;
        Logger = logger;
        ArgumentReaderOptions = options.ArgumentReaderOptions;
        ShortHandles = options.EnableAuthShort ? new ShortHandleCache(options.AuthShortCacheSize) : null;
        AbortToken = _abort.Token;
        DuplicateRequests = options.DuplicateRequestCache is { } drc
            ? new DuplicateRequestCache(drc, options.TimeProvider, logger)
            : null;
        IncarnationTable? incarnations = options.CancelCallsOfOldIncarnations
            ? new IncarnationTable(MaxTrackedIncarnations, DuplicateRequests, logger)
            : null;
        Pipeline = new RpcCallPipeline(
            new HeaderStage(logger),
            new AuthStage(logger, options.AuthPolicy, ShortHandles, options.AuthFlavors.Count == 0 ? null : options.AuthFlavors.ToFrozenDictionary(), options.Tls),
            new LookupStage(dispatcher),
            new SemanticsStage(DuplicateRequests),
            new OrphanStage(incarnations, options.TimeProvider, logger),
            new InvokeStage(this));
        Calls = new CallLifecycle(this, Pipeline, logger);
        _time = options.TimeProvider;
        _started = _time.GetTimestamp();
        _systemTime = ReferenceEquals(_time, TimeProvider.System);
    }

    /// <summary>Clients whose incarnation is remembered (reincarnation of orphans).</summary>
    private const int MaxTrackedIncarnations = 16_384;

    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly bool _systemTime;

    public RpcServerOptions Options { get; }

    /// <summary>The handshake options of RPC-with-TLS (RFC 9289), built once; null without TLS.</summary>
    public System.Net.Security.SslServerAuthenticationOptions? TlsOptions { get; }

    /// <summary>Milliseconds on the server's clock, never 0: the coarse tick count for the
    /// system clock (read several times per call), elapsed time for any other provider, so tests
    /// drive idle and stuck-send checks in virtual time.</summary>
    public long NowMs => _systemTime ? Environment.TickCount64 : (long)_time.GetElapsedTime(_started).TotalMilliseconds + 1;

    /// <summary>The duplicate-request cache of at-most-once procedures; null when turned off.</summary>
    public DuplicateRequestCache? DuplicateRequests { get; }
    public ILogger Logger { get; }
    public XdrReaderOptions ArgumentReaderOptions { get; }
    public ShortHandleCache? ShortHandles { get; }
    public RpcCallPipeline Pipeline { get; }

    /// <summary>The steps every call of every transport goes through.</summary>
    public CallLifecycle Calls { get; }

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

    public void OnGarbageArguments(RpcCall call, RpcProcedureDescriptor descriptor, Exception e)
    {
        if (Logger.IsEnabled(LogLevel.Debug))
        {
            ServerLog.GarbageArguments(Logger, LogNames.Procedure(descriptor), LogNames.Program(descriptor), LogNames.Version(descriptor), call.Xid,
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
        if (Logger.IsEnabled(LogLevel.Error))
        {
            ServerLog.HandlerFailed(Logger, e, LogNames.Procedure(descriptor), LogNames.Program(descriptor), LogNames.Version(descriptor), call.Xid);
        }
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
            if (Logger.IsEnabled(LogLevel.Error))
            {
                ServerLog.ResultEncodingFailed(Logger, e, LogNames.Procedure(descriptor), LogNames.Program(descriptor), LogNames.Version(descriptor), call.Xid);
            }
            call.ReplyAccepted(AcceptStat.SystemError);
        }
    }

    public void Dispose()
    {
        _abort.Dispose();
        Calls.Dispose();
        DuplicateRequests?.Dispose();
    }
}
