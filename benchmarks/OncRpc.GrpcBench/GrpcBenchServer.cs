using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace OncRpc.GrpcBench;

/// <summary>
/// <c>serve</c> mode: the gRPC service on Kestrel, HTTP/2 without TLS (h2c, prior knowledge) on
/// 127.0.0.1, with ASP.NET Core's defaults (WebApplication.CreateBuilder, per-call service
/// activation, Kestrel's limits) except logging, which goes to standard error at Warning and above
/// (a template app's appsettings.json says Warning for Microsoft.AspNetCore too). Prints
/// <c>READY port 0</c> like bench_svc and the load generator's serve mode, and runs until SIGTERM
/// or <paramref name="lifetime"/>.
/// </summary>
internal static class GrpcBenchServer
{
    public static async Task<int> ServeAsync(int port, TimeSpan lifetime, TextWriter output, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<BenchCounters>();
        await using WebApplication app = builder.Build();
        app.MapGrpcService<BenchService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no address");
        await output.WriteLineAsync($"READY {new Uri(address).Port} 0").ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

        // SIGTERM and SIGINT stop the host (its console lifetime); the lifetime bounds the run;
        // either way WaitForShutdownAsync stops the host before it returns.
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(lifetime);
        await app.WaitForShutdownAsync(bound.Token).ConfigureAwait(false);
        ServerStats final = app.Services.GetRequiredService<BenchCounters>().Take();
        await output.WriteLineAsync($"server calls={final.Calls} cpu_s={final.CpuNanoseconds / 1e9:F3} alloc_bytes={final.AllocatedBytes} gen0={final.Gen0Collections}")
            .ConfigureAwait(false);
        await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }
}
