using HostedLogService;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OncRpc.Hosting;

// The log server in the generic host: settings from appsettings.json (and environment variables
// such as OncRpc__Server__Listeners__0__Port), logs to the console (to the journal under systemd),
// a graceful drain on Ctrl+C or SIGTERM, and systemd's notify protocol when run as a unit.
// appsettings.json is read from beside the executable, wherever the service is started from.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Services.AddSystemd();
builder.Services.AddSingleton<FileLog>();
builder.Services.AddOncRpcServer().AddService<LogService>(RpcServiceLifetime.PerCall);
builder.Services.AddHealthChecks().AddOncRpcServer();
await builder.Build().RunAsync();
