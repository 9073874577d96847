namespace OncRpc.Hosting;

/// <summary>How long an <see cref="OncRpc.Server.IRpcService"/> added with
/// <see cref="IRpcServerBuilder.AddService{TService}"/> lives.</summary>
public enum RpcServiceLifetime
{
    /// <summary>One instance, resolved when the host starts, serves every call: the fast path (no
    /// allocation per call). The service must be thread-safe: calls run concurrently.</summary>
    Singleton,

    /// <summary>Each call gets its own dependency-injection scope and a fresh instance resolved in
    /// it; both are disposed when the handler completes. Scoped dependencies (a database context)
    /// are per call. Costs a scope, an instance and its handler table per call.</summary>
    PerCall,
}
