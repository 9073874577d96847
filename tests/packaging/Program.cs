// The README's quickstart program, built by tests/packaging/check.sh against the packed OncRpc
// package: a log server on TCP and UDP (port 0: the system picks), a call over each through the
// generated client, and with "serve" it keeps serving for `oncrpc call`.
using System.Net;
using OncRpc;
using OncRpc.Client;
using OncRpc.Server;
using Quickstart.Log;   // generated from log.x (the OncRpcFile item's Namespace)

await using var server = new RpcServer();
server.Dispatcher.Add(new ConsoleLog());
server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0))
      .ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
await server.StartAsync();

foreach ((RpcTransportKind transport, EndPoint endPoint) in server.EndPoints)
{
    await using RpcClient rpc = transport == RpcTransportKind.Udp
        ? RpcClient.CreateUdp((IPEndPoint)endPoint)
        : await RpcClient.ConnectTcpAsync(endPoint);
    int answer = await new LogV1Client(rpc).RlogAsync($"hello over {transport}");
    Console.WriteLine($"RLOG over {transport} {endPoint} answered {answer}");
}

if (args is ["serve"])
{
    Console.WriteLine($"serving on {string.Join(", ", server.EndPoints.Select(e => $"{e.Transport} {e.EndPoint}"))}; Ctrl+C stops");
    var stop = new TaskCompletionSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
    await stop.Task;
}

// The server side: the generated base class has one method per procedure of log.x.
sealed class ConsoleLog : LogV1ServiceBase
{
    public override ValueTask<int> RlogAsync(string message, RpcCallContext context)
    {
        Console.WriteLine($"log from {context.RemoteEndPoint}: {message}");
        return ValueTask.FromResult(0);   // 0: logged (log.x's convention)
    }
}
