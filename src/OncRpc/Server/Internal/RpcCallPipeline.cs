namespace OncRpc.Server.Internal;

/// <summary>
/// One step of the server's call pipeline. Each stage either answers the call itself (writes a
/// reply or drops it) and returns, or passes it on with <see cref="NextAsync"/>. A stage that
/// wraps the rest of the pipeline (a duplicate-request cache that replays or records replies, a
/// per-call deadline) awaits <see cref="NextAsync"/> and then looks at the call's reply.
/// Stages are shared by every call of a server: no per-call state in fields.
/// </summary>
internal abstract class RpcCallStage
{
    private RpcCallStage? _next;

    internal void Link(RpcCallStage next) => _next = next;

    /// <summary>Processes <paramref name="call"/>. Synchronous stages return the next stage's
    /// ValueTask directly, so a call that never waits costs no state machine.</summary>
    public abstract ValueTask InvokeAsync(RpcCall call);

    protected ValueTask NextAsync(RpcCall call) => _next is null ? ValueTask.CompletedTask : _next.InvokeAsync(call);
}

/// <summary>
/// The ordered stages every call goes through:
/// header (decode rpc_msg, rpcvers check) -> auth (flavors, AUTH_SHORT, policy)
/// -> [duplicate-request cache, later] -> dispatch (program/version/procedure lookup, argument
/// decoding, handler, result encoding). Sending the reply is the transport's job, after the
/// pipeline returns, so the same pipeline serves record-marked streams and datagrams.
/// </summary>
internal sealed class RpcCallPipeline
{
    private readonly RpcCallStage _first;

    public RpcCallPipeline(params RpcCallStage[] stages)
    {
        ArgumentOutOfRangeException.ThrowIfZero(stages.Length);
        for (int i = 0; i < stages.Length - 1; i++)
        {
            stages[i].Link(stages[i + 1]);
        }
        _first = stages[0];
        Stages = stages;
    }

    /// <summary>The stages in order (for tests and diagnostics).</summary>
    public IReadOnlyList<RpcCallStage> Stages { get; }

    public ValueTask InvokeAsync(RpcCall call) => _first.InvokeAsync(call);
}
