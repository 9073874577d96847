using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OncRpc.Hosting.Internal;

namespace OncRpc.Hosting;

/// <summary>Registers the hosted ONC RPC server.</summary>
public static class RpcServerServiceCollectionExtensions
{
    /// <summary>
    /// Adds a server started and drained with the host (<see cref="RpcServerHost"/>), its options
    /// bound from the <c>OncRpc:Server</c> configuration section (then <paramref name="configure"/>)
    /// and validated when the host starts. Add services with
    /// <see cref="IRpcServerBuilder.AddService{TService}"/>. Calling it again returns a builder for
    /// the same server.
    /// </summary>
    public static IRpcServerBuilder AddOncRpcServer(this IServiceCollection services, Action<RpcServerHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<RpcServerHostOptions> options = services.AddOptions<RpcServerHostOptions>()
            .BindConfiguration(RpcServerHostOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }
        if (!services.Any(d => d.ServiceType == typeof(RpcServerHost)))
        {
            options.ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RpcServerHostOptions>, RpcServerHostOptionsValidator>());
            services.AddSingleton(provider => new RpcServerHost(provider,
                provider.GetRequiredService<IOptions<RpcServerHostOptions>>(),
                provider.GetServices<RpcServiceRegistration>(),
                provider.GetServices<RpcServerConfiguration>(),
                provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
            services.AddHostedService(provider => provider.GetRequiredService<RpcServerHost>());
        }
        return new RpcServerBuilder(services);
    }
}
