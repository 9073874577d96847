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
        Console.WriteLine($"""
            The classic remote log service (samples/LogService/log.x):
              program LOG_PROG {"{"} version LOG_VER {"{"} int RLOG(string) = 1; {"}"} = 1; {"}"} = 0x{LogV1Procedures.Program:x8};
            LOG_PROG is the program (number 0x{LogV1Procedures.Program:x8}), version {LogV1Procedures.Version} has one procedure,
            RLOG, which appends a message to the server's log and answers 0 (non-zero: it could not).
            The build generated LogV1ServiceBase (the server side, FileLogService.cs) and LogV1Client.

            """);
        foreach ((RpcTransportKind transport, EndPoint endPoint) in server.EndPoints)
        {
            Console.WriteLine($"server: LOG_PROG 0x{LogV1Procedures.Program:x8} version {LogV1Procedures.Version} on {transport} {endPoint} (port chosen by the system)");
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
            Console.WriteLine($"client: answer {answer} ({(answer == 0 ? "0: logged" : "non-zero: the server could not write its log")})");
            failures += answer == 0 ? 0 : 1;
        }

        await server.StopAsync();
        Console.WriteLine(options.LogFile is null
            ? $"what the server logged (in {logFile}, removed now; --log FILE keeps it):"
            : $"what the server logged in {logFile}:");
        foreach (string line in await File.ReadAllLinesAsync(logFile))
        {
            Console.WriteLine($"  {line}");
        }
        if (options.LogFile is null)
        {
            File.Delete(logFile);
        }
        Console.WriteLine("""

            Next:
              a server that stays up:  dotnet run --project samples/LogService -- server --port 4000
              call it from the shell:  dotnet run --project src/OncRpc.Tool -- call samples/LogService/log.x 127.0.0.1:4000 RLOG '"hello"'
              or with the C client:    see samples/LogService/README.md ("Against the C reference")
              use it in your project:  README.md, "Quickstart"
            """);
        return failures == 0 ? 0 : 1;
    }
}
