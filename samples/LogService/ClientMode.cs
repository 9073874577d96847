using System.Net;
using LogService.Generated;
using OncRpc;
using OncRpc.Binding;
using OncRpc.Client;
using OncRpc.Etcd;
using OncRpc.Rpcbind;

namespace LogService;

/// <summary>Sends each message with RLOG and prints the answer: to --port when given, otherwise
/// to the address rpcbind on --host has registered for LOG_PROG version 1; with --binder, to
/// every server the binder knows, spread by the imported client.</summary>
internal static class ClientMode
{
    public static async Task<int> RunAsync(Options options)
    {
        if (options.Messages.Count == 0)
        {
            throw new ArgumentException("client needs at least one MESSAGE");
        }
        RpcTransportKind transport = options.Transport == "udp" ? RpcTransportKind.Udp : RpcTransportKind.Tcp;
        try
        {
            await using RpcClient rpc = await ConnectAsync(options, transport);
            var client = new LogV1Client(rpc);
            int failures = 0;
            foreach (string message in options.Messages)
            {
                int answer = await client.RlogAsync(message);
                Console.WriteLine($"RLOG(\"{message}\") = {answer}");
                failures += answer == 0 ? 0 : 1;
            }
            return failures == 0 ? 0 : 1;
        }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"error: {e.Status}: {e.Message}");
            return 1;
        }
    }

    private static async Task<RpcClient> ConnectAsync(Options options, RpcTransportKind transport)
    {
        if (options.Binder is { } binder)
        {
            // The binder: an RpcClient over every live server, calls spread and failed over
            // (log.x declares nothing for RLOG, so it is at-least-once: a failed call moves on).
            IRpcResolver resolver = binder.StartsWith("etcd=", StringComparison.Ordinal)
                ? new EtcdResolver(binder["etcd=".Length..])
                : RpcStaticResolver.ForEndPoints(transport, binder["static=".Length..].Split(',').Select(e => (EndPoint)IPEndPoint.Parse(e)));
            return RpcBinder.Import(resolver, LogV1Procedures.Program, LogV1Procedures.Version, new RpcImportOptions { Transport = transport });
        }
        if (options.Port == 0)
        {
            return await RpcbindClient.CreateClientAsync(options.Host, LogV1Procedures.Program, LogV1Procedures.Version, transport);
        }
        IPAddress address = IPAddress.TryParse(options.Host, out IPAddress? parsed)
            ? parsed
            : (await Dns.GetHostAddressesAsync(options.Host))[0];
        var endPoint = new IPEndPoint(address, options.Port);
        return transport == RpcTransportKind.Udp ? RpcClient.CreateUdp(endPoint) : await RpcClient.ConnectTcpAsync(endPoint);
    }
}
