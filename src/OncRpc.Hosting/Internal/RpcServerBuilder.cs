using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OncRpc.Server;

namespace OncRpc.Hosting.Internal;

internal sealed class RpcServerBuilder(IServiceCollection services) : IRpcServerBuilder
{
    public IServiceCollection Services { get; } = services;

    public IRpcServerBuilder AddService<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TService>(RpcServiceLifetime lifetime = RpcServiceLifetime.Singleton)
        where TService : class, IRpcService
    {
        switch (lifetime)
        {
            case RpcServiceLifetime.Singleton:
                Services.TryAddSingleton<TService>();
                Services.AddSingleton(new RpcServiceRegistration(typeof(TService),
                    (provider, dispatcher) => dispatcher.Add(provider.GetRequiredService<TService>())));
                break;
            case RpcServiceLifetime.PerCall:
                // Transient unless the application registered it otherwise, so each call's scope
                // resolves a fresh instance.
                Services.TryAddTransient<TService>();
                Services.AddSingleton(new RpcServiceRegistration(typeof(TService), RegisterPerCall<TService>));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "not a service lifetime");
        }
        return this;
    }

    public IRpcServerBuilder ConfigureServer(Action<RpcServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddSingleton(new RpcServerConfiguration(configure));
        return this;
    }

    private static void RegisterPerCall<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TService>(IServiceProvider provider, RpcDispatcher dispatcher)
        where TService : class, IRpcService
    {
        // One instance, made at start in a scope of its own, says which procedures the service has
        // (a missing dependency fails the start, not the first call).
        var probe = new RpcDispatcher();
        using (IServiceScope scope = provider.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<TService>().Register(probe);
        }
        var scopes = provider.GetRequiredService<IServiceScopeFactory>();
        foreach (RpcProcedureEntry entry in probe.Entries())
        {
            entry.RegisterActivated(dispatcher, () =>
            {
                AsyncServiceScope scope = scopes.CreateAsyncScope();
                try
                {
                    return (scope.ServiceProvider.GetRequiredService<TService>(), scope);
                }
                catch
                {
                    scope.Dispose();
                    throw;
                }
            });
        }
    }
}

/// <summary>One service to add to the dispatcher when the host starts.</summary>
internal sealed record RpcServiceRegistration(Type ServiceType, Action<IServiceProvider, RpcDispatcher> Register);

/// <summary>One <see cref="IRpcServerBuilder.ConfigureServer"/> action.</summary>
internal sealed record RpcServerConfiguration(Action<RpcServerOptions> Configure);
