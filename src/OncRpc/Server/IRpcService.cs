namespace OncRpc.Server;

/// <summary>
/// One program version's server side. Generated service bases implement it by registering a
/// handler for every procedure; <see cref="RpcDispatcher"/> takes it whole.
/// </summary>
public interface IRpcService
{
    /// <summary>Adds this service's procedures to <paramref name="dispatcher"/>.</summary>
    void Register(RpcDispatcher dispatcher);
}

/// <summary>A procedure handler: decoded arguments in, result out.</summary>
public delegate ValueTask<TResult> RpcHandler<TArgs, TResult>(TArgs arguments, RpcCallContext context);
