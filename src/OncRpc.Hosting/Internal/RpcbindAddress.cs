using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace OncRpc.Hosting.Internal;

/// <summary>Reads <see cref="RpcServerHostOptions.RpcbindAddress"/>: an absolute path is rpcbind's
/// Unix socket, anything else an IP end point with its port.</summary>
internal static class RpcbindAddress
{
    public static bool TryParse(string text, [NotNullWhen(true)] out EndPoint? endPoint)
    {
        if (text.StartsWith('/'))
        {
            endPoint = new UnixDomainSocketEndPoint(text);
            return true;
        }
        if (IPEndPoint.TryParse(text, out IPEndPoint? ip) && ip.Port != 0)
        {
            endPoint = ip;
            return true;
        }
        endPoint = null;
        return false;
    }
}
