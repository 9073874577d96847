using System.Net;
using Microsoft.Extensions.Logging;

namespace OncRpc.Client.Internal;

internal static partial class ClientLog
{
    [LoggerMessage(EventId = 91, Level = LogLevel.Warning, Message = "Answered a callback from {EndPoint} (xid {Xid}) SYSTEM_ERR: {Limit} callbacks already in flight (MaxConcurrentCallbacks)")]
    public static partial void CallbackLimit(ILogger logger, EndPoint? endPoint, uint xid, int limit);
}
