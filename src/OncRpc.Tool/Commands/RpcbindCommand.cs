using System.CommandLine;
using System.Net;
using OncRpc.Rpcbind;
using OncRpc.Server;

namespace OncRpc.Tool.Commands;

/// <summary>
/// <c>oncrpc rpcbind</c>: our rpcbind (RFC 1833 versions 2, 3, 4) on TCP and UDP port 111 and
/// the local socket, until interrupted. SET/UNSET only from local callers; indirect calls
/// (CALLIT, BCAST, INDIRECT) only for local callers unless --allow-remote-indirect.
/// </summary>
internal static class RpcbindCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "TCP and UDP port", DefaultValueFactory = _ => RpcbindProtocol.Port };
        var address = new Option<string>("--address") { Description = "IPv4 address to bind", DefaultValueFactory = _ => "0.0.0.0" };
        var ipv6 = new Option<bool>("--ipv6") { Description = "also listen on [::] (tcp6, udp6)" };
        var unix = new Option<string>("--unix") { Description = "local socket path", DefaultValueFactory = _ => RpcbindProtocol.LocalSocketPath };
        var noUnix = new Option<bool>("--no-unix") { Description = "do not listen on a local socket" };
        var allowRemote = new Option<bool>("--allow-remote-indirect") { Description = "forward CALLIT/BCAST/INDIRECT for non-local callers too" };
        var command = new Command("rpcbind", "run an rpcbind / port mapper server (RFC 1833 versions 2, 3, 4)")
        {
            port, address, ipv6, unix, noUnix, allowRemote,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(port), parse.GetValue(address)!, parse.GetValue(ipv6), parse.GetValue(noUnix) ? null : parse.GetValue(unix),
            parse.GetValue(allowRemote), Console.Out, Console.Error, cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(int port, string address, bool ipv6, string? unixPath, bool allowRemoteIndirect,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (port is < 0 or > 65535 || !IPAddress.TryParse(address, out IPAddress? bind))
        {
            stderr.WriteLine("error: --port takes 0-65535 and --address an IP address");
            return 2;
        }
        var rpcbind = new RpcbindServer(new RpcbindServerOptions { AllowRemoteIndirectCalls = allowRemoteIndirect });
        await using var server = new RpcServer();
        server.Dispatcher.Add(rpcbind);
        server.ListenTcp(new IPEndPoint(bind, port)).ListenUdp(new IPEndPoint(bind, port));
        if (ipv6)
        {
            server.ListenTcp(new IPEndPoint(IPAddress.IPv6Any, port)).ListenUdp(new IPEndPoint(IPAddress.IPv6Any, port));
        }
        if (!string.IsNullOrEmpty(unixPath))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(unixPath))!);
            server.ListenUnix(unixPath);
        }
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            stderr.WriteLine($"error: cannot listen: {e.Message} (is another rpcbind running?)");
            return 1;
        }
        rpcbind.RegisterSelf(server.EndPoints);
        foreach ((RpcTransportKind transport, EndPoint endPoint) in server.EndPoints)
        {
            stdout.WriteLine($"rpcbind listening on {RpcbindNetid.For(transport, endPoint.AddressFamily)} {UniversalAddress.Format(endPoint)}");
        }
        stdout.WriteLine("ready");
        stdout.Flush();
        // SIGTERM (what service managers and kill send) stops as gracefully as Ctrl+C: the
        // registrations die with the process either way, but the local socket file is removed.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stopping.Cancel();
            });
        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }
}
