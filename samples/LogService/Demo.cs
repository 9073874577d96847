using System.Net;
using LogService.Generated;
using OncRpc;
using OncRpc.Client;
using OncRpc.Server;

namespace LogService;

/// <summary>The main job: a log server on loopback (TCP and UDP, ports chosen by the system, no
/// rpcbind needed) and a client calling RLOG through the generated stub over each transport.</summary>
internal static class Demo
{
    public static async Task<int> RunAsync(Options options)
    {
        string logFile = options.LogFile ?? Path.Combine(Path.GetTempPath(), $"oncrpc-log-demo-{Environment.ProcessId}.log");
        string message = options.Messages.Count > 0 ? string.Join(' ', options.Messages) : "hello, world";
        var service = new FileLogService(logFile);

        await using var server = new RpcServer();
        server.Dispatcher.Add(service);
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync();
        foreach ((RpcTransportKind transport, EndPoint endPoint) in server.EndPoints)
        {
            Console.WriteLine($"server: LOG_PROG 0x{LogV1Procedures.Program:x8} version {LogV1Procedures.Version} on {transport} {endPoint}");
        }

        int failures = 0;
        foreach ((RpcTransportKind transport, EndPoint endPoint) in server.EndPoints)
        {
            await using RpcClient rpc = transport == RpcTransportKind.Udp
                ? RpcClient.CreateUdp((IPEndPoint)endPoint)
                : await RpcClient.ConnectTcpAsync(endPoint);
            var client = new LogV1Client(rpc);
            string text = $"{message} (over {transport})";
            Console.WriteLine($"client: RLOG(\"{text}\") -> {transport} {endPoint}");
            int answer = await client.RlogAsync(text);
            Console.WriteLine($"client: answer {answer}");
            failures += answer == 0 ? 0 : 1;
        }

        await server.StopAsync();
        Console.WriteLine($"server log {logFile}:");
        foreach (string line in await File.ReadAllLinesAsync(logFile))
        {
            Console.WriteLine($"  {line}");
        }
        if (options.LogFile is null)
        {
            File.Delete(logFile);
        }
        return failures == 0 ? 0 : 1;
    }
}
