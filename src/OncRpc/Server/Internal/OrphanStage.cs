using Microsoft.Extensions.Logging;
using OncRpc.Diagnostics;
using OncRpc.Protocol;

namespace OncRpc.Server.Internal;

/// <summary>
/// Orphans, the calls whose client no longer waits for them (docs/semantics.md). Extermination is
/// the transports' (a stream connection that closes fires its calls' token). Here: reincarnation
/// (a call from a new incarnation of a client cancels the old incarnation's calls, see
/// <see cref="IncarnationTable"/>) and expiration (a procedure's maximum execution time fires the
/// handler's token; a handler that then gives up is answered SYSTEM_ERR). Calls of procedures
/// with neither pay nothing here.
/// </summary>
internal sealed class OrphanStage(IncarnationTable? incarnations, TimeProvider time, ILogger logger) : RpcCallStage
{
    public override ValueTask InvokeAsync(RpcCall call)
    {
        TimeSpan? limit = call.Entry!.MaxExecutionTime;
        CancellationToken incarnation = incarnations?.Track(call) ?? default;
        if (limit is null && !incarnation.CanBeCanceled)
        {
            return NextAsync(call);
        }
        return RunGuardedAsync(call, limit, incarnation);
    }

    private async ValueTask RunGuardedAsync(RpcCall call, TimeSpan? limit, CancellationToken incarnation)
    {
        CancellationToken original = call.CancellationToken;
        using var guard = new Guard(CancellationTokenSource.CreateLinkedTokenSource(original, incarnation));
        using ITimer? timer = limit is { } l
            ? time.CreateTimer(static s => ((Guard)s!).Expire(), guard, l, Timeout.InfiniteTimeSpan)
            : null;
        call.CancellationToken = guard.Token;
        try
        {
            await NextAsync(call).ConfigureAwait(false);
        }
        finally
        {
            call.CancellationToken = original;
        }
        if (guard.Expired && !call.HasReply && !original.IsCancellationRequested)
        {
            // The handler gave up at its deadline: say so rather than leave the client waiting.
            if (logger.IsEnabled(LogLevel.Warning))
            {
                RpcProcedureDescriptor descriptor = call.Descriptor!;
                ServerLog.ExecutionTimeExceeded(logger, LogNames.Procedure(descriptor), LogNames.Program(descriptor), LogNames.Version(descriptor), call.Xid, limit!.Value);
            }
            call.ReplyAccepted(AcceptStat.SystemError);
        }
    }

    /// <summary>The call's own token source, and whether its deadline fired it.</summary>
    private sealed class Guard(CancellationTokenSource source) : IDisposable
    {
        private volatile bool _expired;

        public CancellationToken Token { get; } = source.Token;

        public bool Expired => _expired;

        /// <summary>Timer thread: may race with the call finishing and disposing the source.</summary>
        public void Expire()
        {
            _expired = true;
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
            catch (AggregateException)
            {
                // A handler's cancellation callback threw: its own bug, and a timer thread must
                // not die of it.
            }
        }

        public void Dispose() => source.Dispose();
    }
}
