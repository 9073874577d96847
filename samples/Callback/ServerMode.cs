using System.Net;
using System.Runtime.InteropServices;
using OncRpc;
using OncRpc.Server;

namespace Callback;

/// <summary>Runs the NOTIFY server until Ctrl+C or SIGTERM.</summary>
internal static class ServerMode
{
    public static async Task<int> RunAsync(Options options)
    {
        await using RpcServer server = Create(new IPEndPoint(IPAddress.Parse(options.Host), options.Port));
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        await server.StartAsync();
        foreach ((RpcTransportKind transport, EndPoint endPoint) in server.EndPoints)
        {
            Console.WriteLine($"listening on {transport} {endPoint}");
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

    public static RpcServer Create(IPEndPoint endPoint)
    {
        var server = new RpcServer();
        server.Dispatcher.Add(new NotifyService());
        server.ListenTcp(endPoint);
        return server;
    }
}
