using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OncRpc.Hosting;

/// <summary>Registers the hosted server's health check.</summary>
public static class RpcHealthChecksBuilderExtensions
{
    /// <summary>Adds <see cref="RpcServerHealthCheck"/> for the hosted server.</summary>
    public static IHealthChecksBuilder AddOncRpcServer(this IHealthChecksBuilder builder, string name = "oncrpc-server",
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name,
            provider => new RpcServerHealthCheck(provider.GetRequiredService<RpcServerHost>()), failureStatus, tags));
    }
}
