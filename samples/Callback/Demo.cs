using System.Net;
using OncRpc.Server;

namespace Callback;

/// <summary>Both patterns, one after the other, against a server in this process.</summary>
internal static class Demo
{
    public static async Task<int> RunAsync()
    {
        await using RpcServer server = ServerMode.Create(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync();
        var endPoint = (IPEndPoint)server.EndPoints[0].EndPoint;
        Console.WriteLine($"NOTIFY server on {endPoint}");
        Console.WriteLine();
        Console.WriteLine("-- classic: the client runs a transient server and passes its address --");
        int classic = await ClientMode.WatchAsync(endPoint, "weather", 3, backchannel: false, Console.Out);
        Console.WriteLine();
        Console.WriteLine("-- backchannel: the server calls back over the client's own connection --");
        int backchannel = await ClientMode.WatchAsync(endPoint, "traffic", 3, backchannel: true, Console.Out);
        return Math.Max(classic, backchannel);
    }
}
