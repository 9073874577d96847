namespace OncRpc.Server;

/// <summary>
/// How the server runs one registered procedure when things fail: its call semantics and how long
/// it may run. Given at registration (<see cref="RpcDispatcher.Register{TArgs, TResult}(RpcProcedureDescriptor, RpcHandler{TArgs, TResult}, RpcProcedureOptions?)"/>)
/// or later (<see cref="RpcDispatcher.Configure"/>), for procedures a generated service registers.
/// </summary>
public sealed record RpcProcedureOptions
{
    /// <summary>Overrides the descriptor's <see cref="RpcProcedureDescriptor.Semantics"/> on this
    /// server; null keeps the descriptor's.</summary>
    public RpcCallSemantics? Semantics { get; init; }

    /// <summary>Expiration of orphans: after this long the handler's
    /// <see cref="RpcCallContext.CancellationToken"/> fires; a handler that then gives up
    /// (throws <see cref="OperationCanceledException"/>) is answered SYSTEM_ERR. Null: no limit.</summary>
    public TimeSpan? MaxExecutionTime { get; init; }

    internal void Validate()
    {
        if (MaxExecutionTime is { } limit && limit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxExecutionTime), limit, "must be positive");
        }
        if (Semantics is { } semantics && !Enum.IsDefined(semantics))
        {
            throw new ArgumentOutOfRangeException(nameof(Semantics), semantics, "not a call semantics");
        }
    }
}
