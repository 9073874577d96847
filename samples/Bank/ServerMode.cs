using System.Net;
using System.Runtime.InteropServices;
using OncRpc;
using OncRpc.Server;

namespace Bank;

/// <summary>Runs the bank server until Ctrl+C or SIGTERM, then stops gracefully (calls in flight
/// finish and are answered, and so are persisted).</summary>
internal static class ServerMode
{
    public static async Task<int> RunAsync(Options options)
    {
        var address = IPAddress.Parse(options.Host);
        using var ledger = new Ledger(options.StateDirectory);
        var serverOptions = new RpcServerOptions
        {
            // Off only to show what goes wrong without it (--cache off): retransmitted deposits run twice.
            DuplicateRequestCache = options.Cache
                ? new DuplicateRequestCacheOptions
                {
                    PersistenceDirectory = options.StateDirectory is { } state ? Path.Combine(state, "cache") : null,
                }
                : null,
            // Our clients stamp AUTH_SYS per process: a restarted client's orphans are cancelled.
            CancelCallsOfOldIncarnations = true,
        };
        await using var server = new RpcServer(serverOptions);
        server.Dispatcher.Add(new BankService(ledger));
        int port = options.Port == 0 && options.Transport == "both" ? FreePort(address) : options.Port;
        if (options.Transport is "tcp" or "both")
        {
            server.ListenTcp(new IPEndPoint(address, port));
        }
        if (options.Transport is "udp" or "both")
        {
            server.ListenUdp(new IPEndPoint(address, port));
        }

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });

        await server.StartAsync();
        foreach ((RpcTransportKind transport, EndPoint endPoint) in server.EndPoints)
        {
            Console.WriteLine($"listening on {transport} {endPoint}");
        }
        Console.WriteLine(options.StateDirectory is { } dir
            ? $"state in {Path.GetFullPath(dir)} (balances and the duplicate-request cache survive a restart)"
            : "no --state: balances and the duplicate-request cache live in memory only");
        Console.WriteLine($"duplicate-request cache {(options.Cache ? "on" : "OFF: retransmitted deposits run again")}");

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await server.StopAsync(drain.Token);
        DuplicateRequestCacheStatistics cache = server.DuplicateRequestCacheStatistics;
        Console.WriteLine($"stopped; cache: {cache.Executions} executed, {cache.Hits} replayed, " +
            $"{cache.InProgressDuplicates} in-progress duplicates, {cache.Evictions} evicted, {cache.Loaded} loaded at start");
        return 0;
    }

    /// <summary>Port 0 with both transports: one free port for both, so clients need one number.</summary>
    private static int FreePort(IPAddress address)
    {
        using var probe = new System.Net.Sockets.Socket(address.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
