using System.Net;
using System.Runtime.InteropServices;
using OncRpc;
using OncRpc.Binding;
using OncRpc.Etcd;
using OncRpc.Rpcbind;
using OncRpc.Server;

namespace LogService;

/// <summary>Runs the log server until Ctrl+C or SIGTERM, then stops gracefully (calls in flight
/// finish, rpcbind registrations are removed).</summary>
internal static class ServerMode
{
    public static async Task<int> RunAsync(Options options)
    {
        var address = IPAddress.Parse(options.Host);
        string logFile = options.LogFile ?? "log.txt";
        // With --rpcbind the server registers tcp/udp for LOG_PROG at start and unregisters at stop.
        var serverOptions = new RpcServerOptions();
        if (options.Rpcbind)
        {
            serverOptions.Exporters.Add(new RpcbindExporter());
        }
        // With --binder etcd=URL the server also exports itself to etcd under a lease (docs/binder.md).
        if (options.Binder is { } binder && binder.StartsWith("etcd=", StringComparison.Ordinal))
        {
            serverOptions.Exporters.Add(new EtcdExporter(binder["etcd=".Length..]));
            serverOptions.InstanceMetadata = new RpcInstanceMetadata { Zone = options.Zone };
        }
        await using var server = new RpcServer(serverOptions);
        server.Dispatcher.Add(new FileLogService(logFile));
        if (options.Transport is "tcp" or "both")
        {
            server.ListenTcp(new IPEndPoint(address, options.Port));
        }
        if (options.Transport is "udp" or "both")
        {
            server.ListenUdp(new IPEndPoint(address, options.Port));
        }

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

        await server.StartAsync();
        foreach (RpcbindRegistrationResult result in server.Exports.OfType<RpcbindExport>().SelectMany(e => e.Results))
        {
            Console.WriteLine($"rpcbind: {result.Mapping.Netid} {result.Mapping.Address} {(result.Registered ? "registered" : "not registered: " + result.Error)}");
        }
        foreach (EtcdExport export in server.Exports.OfType<EtcdExport>())
        {
            Console.WriteLine($"etcd: exported {string.Join(", ", export.Instances.Select(i => EtcdKeys.For(i.Program, i.Version, i.Id)))} under lease {export.LeaseId:x}");
        }
        foreach ((RpcTransportKind transport, EndPoint endPoint) in server.EndPoints)
        {
            Console.WriteLine($"listening on {transport} {endPoint}, logging to {Path.GetFullPath(logFile)}");
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await server.StopAsync(drain.Token);
        Console.WriteLine("stopped");
        return 0;
    }
}
