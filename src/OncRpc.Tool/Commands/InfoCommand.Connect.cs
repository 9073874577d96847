using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Rpcbind;

namespace OncRpc.Tool.Commands;

/// <summary>How <c>oncrpc info</c> reaches rpcbind and the programs it maps.</summary>
internal static partial class InfoCommand
{
    /// <summary>rpcbind's own transport failures (refused, no answer) become
    /// <see cref="RpcbindUnreachableException"/>, so the user hears that nothing answers on port 111.</summary>
    private static async Task<T> Rpcbind<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Status is RpcStatus.CannotBind or RpcStatus.TimedOut or RpcStatus.ConnectionLost)
        {
            throw new RpcbindUnreachableException(e);
        }
    }

    private static Task<RpcbindClient> ConnectRpcbindAsync(Request request, CancellationToken cancellationToken) =>
        Rpcbind(() => RpcbindClient.ConnectAsync(request.Host, RpcTransportKind.Tcp, request.ClientOptions, cancellationToken));

    /// <summary>rpcinfo -T: the program's address from rpcbind (whose silence is reported as such), then a client to it.</summary>
    private static async Task<RpcClient> ConnectProgramAsync(Request request, uint program, uint version, RpcTransportKind transport,
        CancellationToken cancellationToken)
    {
        bool v6 = IPAddress.TryParse(request.Host, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        string netid = RpcbindNetid.For(transport, v6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        EndPoint endPoint = await Rpcbind(() => RpcbindClient.ResolveAsync(request.Host, program, version, netid, request.ClientOptions, cancellationToken))
            .ConfigureAwait(false)
            ?? throw new RpcException(RpcStatus.CannotBind,
                Invariant($"program {program} (0x{program:x8}) version {version} is not registered with rpcbind on {request.Host} for {netid}"));
        return transport == RpcTransportKind.Udp
            ? RpcClient.CreateUdp((IPEndPoint)endPoint, request.ClientOptions)
            : await RpcClient.ConnectTcpAsync(endPoint, request.ClientOptions, cancellationToken).ConfigureAwait(false);
    }

    private sealed class RpcbindUnreachableException(RpcException inner) : Exception(inner.Message, inner);
}
