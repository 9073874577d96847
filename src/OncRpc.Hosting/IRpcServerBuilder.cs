using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using OncRpc.Server;

namespace OncRpc.Hosting;

/// <summary>Adds services to the hosted server; returned by
/// <see cref="RpcServerServiceCollectionExtensions.AddOncRpcServer"/>.</summary>
public interface IRpcServerBuilder
{
    /// <summary>The application's services.</summary>
    IServiceCollection Services { get; }

    /// <summary>Serves <typeparamref name="TService"/> (a generated service base's subclass),
    /// activated from dependency injection with the given lifetime (see
    /// <see cref="RpcServiceLifetime"/>). Its constructor's parameters are resolved from the
    /// container. <typeparamref name="TService"/> is registered as a singleton (or transient, per
    /// call) unless the application registered it already; its own registration then decides.</summary>
    IRpcServerBuilder AddService<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TService>(RpcServiceLifetime lifetime = RpcServiceLifetime.Singleton)
        where TService : class, IRpcService;

    /// <summary>Sets what configuration cannot express (an <see cref="RpcServerOptions.AuthPolicy"/>,
    /// a <see cref="RpcServerOptions.TimeProvider"/>, the duplicate-request cache...). Runs after
    /// the bound <see cref="RpcServerHostOptions"/> are applied, when the host starts.</summary>
    IRpcServerBuilder ConfigureServer(Action<RpcServerOptions> configure);
}
