using System.Net;
using Microsoft.Extensions.Logging;

namespace OncRpc.Client.Internal;

internal static partial class ClientLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Connected to {EndPoint} over {Transport}")]
    public static partial void Connected(ILogger logger, EndPoint? endPoint, string transport);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Connection to {EndPoint} lost; {Pending} pending calls failed")]
    public static partial void ConnectionLost(ILogger logger, EndPoint? endPoint, int pending, Exception? exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Dropped a reply from {EndPoint} matching no pending call (late, unknown or malformed)")]
    public static partial void DroppedReply(ILogger logger, EndPoint? endPoint);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Retransmitting xid {Xid} to {EndPoint}")]
    public static partial void Retransmit(ILogger logger, uint xid, EndPoint? endPoint);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Receive from {EndPoint} failed")]
    public static partial void ReceiveFailed(ILogger logger, EndPoint? endPoint, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Resending at-most-once call {Procedure} of {Program} version {Version} with its xid {Xid} after the connection was lost: {Reason}")]
    public static partial void ResendingAfterConnectionLoss(ILogger logger, string procedure, string program, string version, uint xid, string reason);
}
