using OncRpc.Server.Internal.DuplicateRequests;

namespace OncRpc.Server.Internal;

/// <summary>
/// Call semantics (RFC 5531 leaves them to the application; see docs/semantics.md), per
/// procedure: at-least-once calls run every time they arrive; at-most-once calls go through the
/// <see cref="DuplicateRequestCache"/> (run once, retransmissions replayed from the cache or, while
/// the first execution runs, dropped or made to wait for it); maybe (one-way) calls run and are
/// never answered.
/// </summary>
internal sealed class SemanticsStage(DuplicateRequestCache? cache) : RpcCallStage
{
    public override ValueTask InvokeAsync(RpcCall call)
    {
        switch (call.Entry!.Semantics)
        {
            case RpcCallSemantics.Maybe:
                call.MakeOneWay();
                return NextAsync(call);
            case RpcCallSemantics.AtMostOnce when cache is not null:
                return RunAtMostOnce(call, cache);
            default:
                return NextAsync(call);
        }
    }

    private ValueTask RunAtMostOnce(RpcCall call, DuplicateRequestCache cache)
    {
        switch (cache.Begin(call, out DrcEntry? entry))
        {
            case DrcDecision.Replay:
                return ValueTask.CompletedTask; // the call holds the cached reply
            case DrcDecision.Drop:
                call.Drop();
                return ValueTask.CompletedTask;
            case DrcDecision.Wait:
                return WaitAndReplayAsync(call, cache, entry!);
        }
        ValueTask pending;
        try
        {
            pending = NextAsync(call);
        }
        catch
        {
            cache.Abandon(entry!);
            throw;
        }
        if (pending.IsCompletedSuccessfully)
        {
            cache.Complete(entry!, call);
            return ValueTask.CompletedTask;
        }
        return CompleteLateAsync(pending, call, cache, entry!);
    }

    private static async ValueTask CompleteLateAsync(ValueTask pending, RpcCall call, DuplicateRequestCache cache, DrcEntry entry)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch
        {
            cache.Abandon(entry);
            throw;
        }
        cache.Complete(entry, call);
    }

    /// <summary>A retransmission on a stream transport while the first execution runs: the first
    /// reply may go to a connection that is gone, so this one waits for it and sends it again.</summary>
    private static async ValueTask WaitAndReplayAsync(RpcCall call, DuplicateRequestCache cache, DrcEntry entry)
    {
        byte[]? reply = await cache.WaitForReplyAsync(entry, call.CancellationToken).ConfigureAwait(false);
        if (reply is null)
        {
            call.Drop();
        }
        else
        {
            call.ReplyCached(reply);
        }
    }
}
