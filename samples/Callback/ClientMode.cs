using System.Net;
using Callback.Generated;
using OncRpc;
using OncRpc.Client;
using OncRpc.Rpcbind;
using OncRpc.Server;

namespace Callback;

/// <summary>WATCHes a topic and takes the server's EVENTs: through a transient server of its own
/// (classic) or, with --backchannel, over its own connection.</summary>
internal static class ClientMode
{
    public static async Task<int> RunAsync(Options options)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(options.Host), options.Port);
        return await WatchAsync(endPoint, options.Topic, options.Count, options.Backchannel, Console.Out);
    }

    public static async Task<int> WatchAsync(IPEndPoint server, string topic, uint count, bool backchannel, TextWriter output)
    {
        var sink = new EventSink(count, output);
        await using RpcClient rpc = await RpcClient.ConnectTcpAsync(server);
        var args = new WatchArgs
        {
            Topic = topic,
            Count = count,
            Netid = "",
            Uaddr = "",
            Prog = NotifyCbV1Procedures.Program,
            Vers = NotifyCbV1Procedures.Version,
        };
        RpcServer? transient = null;
        try
        {
            if (backchannel)
            {
                // The server calls back over this very connection: nothing to listen on, no
                // firewall or NAT to cross, and the callbacks stop when the connection goes.
                rpc.Serve(new RpcDispatcher().Add(sink));
                output.WriteLine($"WATCH {topic}: serving NOTIFY_CB on this connection (backchannel)");
            }
            else
            {
                // Classic: a server of our own on an ephemeral port, whose address goes in the call.
                transient = new RpcServer(new RpcServerOptions { EventLoopThreads = 0 });
                transient.Dispatcher.Add(sink);
                transient.ListenTcp(new IPEndPoint(server.Address, 0));
                await transient.StartAsync();
                var callbackEndPoint = (IPEndPoint)transient.EndPoints[0].EndPoint;
                args.Netid = "tcp";
                args.Uaddr = UniversalAddress.Format(callbackEndPoint);
                output.WriteLine($"WATCH {topic}: transient server for NOTIFY_CB at {args.Uaddr}");
            }
            uint delivered = await new NotifyV1Client(rpc).WatchAsync(args);
            // WATCH answers after its last event was taken, so every event is in by now.
            await sink.AllReceived.WaitAsync(TimeSpan.FromSeconds(10));
            output.WriteLine($"WATCH answered: {delivered} of {count} events delivered, {sink.Received} received");
            return delivered == count && sink.Received == count ? 0 : 1;
        }
        catch (Exception e) when (e is RpcException or TimeoutException)
        {
            output.WriteLine($"WATCH failed: {e.Message}");
            return 3;
        }
        finally
        {
            if (transient is not null)
            {
                await transient.DisposeAsync();
            }
        }
    }
}
