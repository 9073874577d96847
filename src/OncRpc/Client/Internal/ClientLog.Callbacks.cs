using System.Net;
using Microsoft.Extensions.Logging;

namespace OncRpc.Client.Internal;

internal static partial class ClientLog
{
    [LoggerMessage(EventId = 90, Level = LogLevel.Debug, Message = "Dropped a call from {EndPoint}: this client serves no callbacks (RpcClient.Serve)")]
    public static partial void DroppedCall(ILogger logger, EndPoint? endPoint);

    [LoggerMessage(EventId = 91, Level = LogLevel.Warning, Message = "Answered a callback from {EndPoint} (xid {Xid}) SYSTEM_ERR: {Limit} callbacks already in flight (MaxConcurrentCallbacks)")]
    public static partial void CallbackLimit(ILogger logger, EndPoint? endPoint, uint xid, int limit);
}
