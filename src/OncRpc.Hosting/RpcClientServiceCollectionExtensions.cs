using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OncRpc.Client;
using OncRpc.Hosting.Internal;

namespace OncRpc.Hosting;

/// <summary>Registers typed clients (generated <c>XxxClient</c> classes), like gRPC's
/// <c>AddGrpcClient</c>.</summary>
public static class RpcClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TClient"/> as a singleton made by <paramref name="create"/>
    /// (usually <c>rpc =&gt; new LogV1Client(rpc)</c>) over one <see cref="RpcClient"/> whose address,
    /// transport, credentials and timeouts come from <c>OncRpc:Clients:{name}</c> (then
    /// <paramref name="configure"/>). <paramref name="name"/> defaults to the type's name. The
    /// options are checked when the client is first resolved (an <see cref="OptionsValidationException"/>
    /// names the bad key); the connection opens on the first call and reopens after a loss. The
    /// container disposes the connection.
    /// </summary>
    public static IServiceCollection AddOncRpcClient<TClient>(this IServiceCollection services, Func<RpcClient, TClient> create,
        Action<RpcClientHostOptions>? configure = null, string? name = null)
        where TClient : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(create);
        string clientName = name ?? typeof(TClient).Name;
        OptionsBuilder<RpcClientHostOptions> options = services.AddOptions<RpcClientHostOptions>(clientName)
            .BindConfiguration($"{RpcClientHostOptions.SectionName}:{clientName}");
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.AddSingleton<IValidateOptions<RpcClientHostOptions>>(new RpcClientHostOptionsValidator(clientName));
        services.AddSingleton(provider =>
        {
            RpcClientHostOptions settings = provider.GetRequiredService<IOptionsMonitor<RpcClientHostOptions>>().Get(clientName);
            return new RpcClientHolder<TClient>(RpcClientFactory.Create(settings, provider.GetService<ILoggerFactory>(),
                provider.GetService<TimeProvider>() ?? TimeProvider.System));
        });
        services.AddSingleton(provider => create(provider.GetRequiredService<RpcClientHolder<TClient>>().Client));
        return services;
    }
}
