using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OncRpc.Hosting;

/// <summary>Healthy while the hosted server serves (started, not stopping), with its end points
/// in the description and data; unhealthy before it starts and once it stops.</summary>
public sealed class RpcServerHealthCheck(RpcServerHost host) : IHealthCheck
{
    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (host.Server is not { } server)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the ONC RPC server has not started"));
        }
        if (!host.IsRunning)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the ONC RPC server is stopping or stopped"));
        }
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var endPoints = new List<string>(server.EndPoints.Count);
        foreach ((RpcTransportKind transport, System.Net.EndPoint endPoint) in server.EndPoints)
        {
            string text = string.Create(CultureInfo.InvariantCulture, $"{transport} {endPoint}");
            endPoints.Add(text);
            data[string.Create(CultureInfo.InvariantCulture, $"endpoint{endPoints.Count - 1}")] = text;
        }
        return Task.FromResult(HealthCheckResult.Healthy($"serving on {string.Join(", ", endPoints)}", data));
    }
}
