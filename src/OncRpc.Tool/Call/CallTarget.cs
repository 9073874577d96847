using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Rpcbind;

namespace OncRpc.Tool.Call;

/// <summary>Where <c>oncrpc call</c> sends: <c>HOST:PORT</c> directly, <c>HOST</c> through the
/// host's rpcbind, or for <c>-T unix</c> a socket path (or, without a '/', the local rpcbind).</summary>
internal static class CallTarget
{
    public static async Task<RpcClient> ConnectAsync(string target, XProcedure procedure, CallRequest request, CancellationToken cancellationToken)
    {
        RpcTransportKind transport = request.TransportKind;
        RpcClientOptions options = request.ClientOptions;
        if (transport == RpcTransportKind.Local)
        {
            return target.Contains('/', StringComparison.Ordinal)
                ? await RpcClient.ConnectUnixAsync(target, options, cancellationToken).ConfigureAwait(false)
                : await ViaRpcbindAsync(target, null, procedure, transport, options, cancellationToken).ConfigureAwait(false);
        }
        (string host, int? port) = Split(target);
        IPAddress address = await ResolveHostAsync(host, cancellationToken).ConfigureAwait(false);
        if (port is null)
        {
            return await ViaRpcbindAsync(host, address, procedure, transport, options, cancellationToken).ConfigureAwait(false);
        }
        var endPoint = new IPEndPoint(address, port.Value);
        return transport == RpcTransportKind.Udp
            ? RpcClient.CreateUdp(endPoint, options)
            : await RpcClient.ConnectTcpAsync(endPoint, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>HOST, HOST:PORT, [V6], [V6]:PORT; a bare IPv6 address has no port.</summary>
    public static (string Host, int? Port) Split(string target)
    {
        string host = target;
        string? port = null;
        if (target.StartsWith('['))
        {
            int close = target.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"'{target}': missing ']'");
            }
            host = target[1..close];
            port = close + 1 < target.Length && target[close + 1] == ':' ? target[(close + 2)..] : null;
        }
        else if (target.Count(c => c == ':') == 1)
        {
            int colon = target.IndexOf(':', StringComparison.Ordinal);
            host = target[..colon];
            port = target[(colon + 1)..];
        }
        if (port is null)
        {
            return (host, null);
        }
        return int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number is > 0 and <= 65535
            ? (host, number)
            : throw new FormatException($"'{port}' is not a port (1-65535)");
    }

    private static async Task<IPAddress> ResolveHostAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return address;
        }
        try
        {
            IPAddress[] addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new RpcException(RpcStatus.CannotBind, $"{host} has no address");
        }
        catch (SocketException e)
        {
            throw new RpcException(RpcStatus.CannotBind, $"cannot resolve {host}: {e.Message}", e);
        }
    }

    private static async Task<RpcClient> ViaRpcbindAsync(string host, IPAddress? address, XProcedure procedure, RpcTransportKind transport,
        RpcClientOptions options, CancellationToken cancellationToken)
    {
        string netid = transport == RpcTransportKind.Local
            ? RpcbindNetid.Local
            : RpcbindNetid.For(transport, address!.AddressFamily);
        string where = transport == RpcTransportKind.Local ? RpcbindProtocol.LocalSocketPath : $"{host} port {RpcbindProtocol.Port}";
        EndPoint? endPoint;
        try
        {
            endPoint = await RpcbindClient.ResolveAsync(address?.ToString() ?? host, procedure.Program.Number, procedure.Version.Number, netid,
                options, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Status is RpcStatus.CannotBind or RpcStatus.TimedOut or RpcStatus.ConnectionLost)
        {
            throw new CallFailure(
                $"no port given and nothing answers as rpcbind on {where} ({e.Message}); give HOST:PORT, " +
                "or run an rpcbind there (Debian's, or `oncrpc rpcbind`) with the server registered");
        }
        if (endPoint is null)
        {
            throw new CallFailure(
                $"{RpcNames.Program(procedure.Program.Name, procedure.Program.Number)} version {procedure.Version.Number} " +
                $"is not registered with rpcbind on {where} for {netid} (oncrpc info -p {host} lists what is)");
        }
        return endPoint switch
        {
            UnixDomainSocketEndPoint unix => await RpcClient.ConnectUnixAsync(unix.ToString(), options, cancellationToken).ConfigureAwait(false),
            IPEndPoint ip when transport == RpcTransportKind.Udp => RpcClient.CreateUdp(ip, options),
            _ => await RpcClient.ConnectTcpAsync(endPoint, options, cancellationToken).ConfigureAwait(false),
        };
    }
}

/// <summary>A failure already worded for the user (exit 1).</summary>
internal sealed class CallFailure(string message) : Exception(message);
