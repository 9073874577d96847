using System.Net;
using Microsoft.Extensions.Logging;

namespace OncRpc.Diagnostics;

/// <summary>The server's log messages; event ids 1000-1099.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1000, LogLevel.Information, "Listening for ONC RPC on {Transport} {EndPoint}")]
    public static partial void Listening(ILogger logger, RpcTransportKind transport, EndPoint? endPoint);

    [LoggerMessage(1001, LogLevel.Warning, "Accept failed on {EndPoint}; retrying in {DelayMs} ms")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, EndPoint? endPoint, int delayMs);

    [LoggerMessage(1002, LogLevel.Warning, "Connection from {RemoteEndPoint} refused: {Limit} connections open (MaxConnections)")]
    public static partial void ConnectionLimit(ILogger logger, EndPoint? remoteEndPoint, int limit);

    [LoggerMessage(1003, LogLevel.Debug, "{Transport} connection from {RemoteEndPoint} opened")]
    public static partial void ConnectionOpened(ILogger logger, RpcTransportKind transport, EndPoint? remoteEndPoint);

    [LoggerMessage(1004, LogLevel.Debug, "Connection from {RemoteEndPoint} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, EndPoint? remoteEndPoint, string reason);

    [LoggerMessage(1005, LogLevel.Warning, "Closing connection from {RemoteEndPoint}: {Message}")]
    public static partial void RecordTooLarge(ILogger logger, EndPoint? remoteEndPoint, string message);

    [LoggerMessage(1006, LogLevel.Debug, "Connection from {RemoteEndPoint} ended inside a record; the partial record is dropped")]
    public static partial void TruncatedRecord(ILogger logger, EndPoint? remoteEndPoint);

    [LoggerMessage(1007, LogLevel.Debug, "Closing connection from {RemoteEndPoint}: idle for {IdleTimeout}")]
    public static partial void ConnectionIdle(ILogger logger, EndPoint? remoteEndPoint, TimeSpan idleTimeout);

    [LoggerMessage(1008, LogLevel.Debug, "Dropped a message from {RemoteEndPoint}: {Reason}")]
    public static partial void MessageDropped(ILogger logger, EndPoint? remoteEndPoint, string reason);

    [LoggerMessage(1009, LogLevel.Error, "{Procedure} of {Program} version {Version} threw on the call with xid {Xid}; replying SYSTEM_ERR")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string procedure, string program, string version, uint xid);

    [LoggerMessage(1010, LogLevel.Debug, "GARBAGE_ARGS for {Procedure} of {Program} version {Version}, xid {Xid}: {Reason}")]
    public static partial void GarbageArguments(ILogger logger, string procedure, string program, string version, uint xid, string reason);

    [LoggerMessage(1011, LogLevel.Error, "Results of {Procedure} of {Program} version {Version} could not be encoded for the call with xid {Xid}; replying SYSTEM_ERR")]
    public static partial void ResultEncodingFailed(ILogger logger, Exception exception, string procedure, string program, string version, uint xid);

    [LoggerMessage(1012, LogLevel.Warning, "UDP reply of {Size} bytes to {RemoteEndPoint} exceeds MaxUdpDatagramSize {Limit}; replying SYSTEM_ERR")]
    public static partial void UdpReplyTooLarge(ILogger logger, int size, EndPoint? remoteEndPoint, int limit);

    [LoggerMessage(1013, LogLevel.Warning, "Receive failed on {Transport} {EndPoint}")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, RpcTransportKind transport, EndPoint? endPoint);

    [LoggerMessage(1014, LogLevel.Debug, "Sending a reply to {RemoteEndPoint} failed")]
    public static partial void SendFailed(ILogger logger, Exception exception, EndPoint? remoteEndPoint);

    [LoggerMessage(1015, LogLevel.Warning, "Stop deadline reached with calls still in flight; cancelling them and closing connections")]
    public static partial void StopForced(ILogger logger);

    [LoggerMessage(1016, LogLevel.Debug, "AUTH_ERROR {AuthStat} for a call from {RemoteEndPoint} with {Flavor} credentials")]
    public static partial void AuthDenied(ILogger logger, OncRpc.Auth.AuthStat authStat, EndPoint? remoteEndPoint, OncRpc.Auth.AuthFlavor flavor);

    [LoggerMessage(1017, LogLevel.Debug, "Dropped a UDP datagram of {Size} bytes or more from {RemoteEndPoint}: over MaxUdpDatagramSize")]
    public static partial void DatagramTooLarge(ILogger logger, int size, EndPoint? remoteEndPoint);

    [LoggerMessage(1018, LogLevel.Information, "Registered program {Program} version {Version} on {Netid} {Address} with rpcbind v{RpcbindVersion}")]
    public static partial void RpcbindRegistered(ILogger logger, uint program, uint version, string netid, string address, uint rpcbindVersion);

    [LoggerMessage(1019, LogLevel.Warning, "Rpcbind refused program {Program} version {Version} on {Netid} {Address}: {Error}")]
    public static partial void RpcbindRefused(ILogger logger, uint program, uint version, string netid, string address, string? error);

    [LoggerMessage(1020, LogLevel.Warning, "Could not unregister from rpcbind: {Error}")]
    public static partial void RpcbindUnregisterFailed(ILogger logger, string error);

    [LoggerMessage(1021, LogLevel.Critical, "Event loop {Loop} stopped: epoll_wait failed with errno {Errno}")]
    public static partial void EventLoopFailed(ILogger logger, string loop, int errno);

    [LoggerMessage(1022, LogLevel.Error, "A socket handler failed on event loop {Loop}")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception, string loop);

    [LoggerMessage(1023, LogLevel.Error, "The duplicate-request cache could not write to {Directory}; the entry stays in memory only, so a restart could run its call again")]
    public static partial void DuplicateCachePersistenceFailed(ILogger logger, Exception exception, string? directory);

    [LoggerMessage(1024, LogLevel.Warning, "{Procedure} of {Program} version {Version} is at-most-once but the duplicate-request cache is off: retransmissions run it again")]
    public static partial void AtMostOnceWithoutCache(ILogger logger, string procedure, string program, string version);

    [LoggerMessage(1025, LogLevel.Warning, "{Procedure} of {Program} version {Version} (xid {Xid}) ran past its maximum execution time of {Limit} and was cancelled")]
    public static partial void ExecutionTimeExceeded(ILogger logger, string procedure, string program, string version, uint xid, TimeSpan limit);

    [LoggerMessage(1026, LogLevel.Information, "A new incarnation of client {Client} ({Machine}, uid {Uid}) appeared (stamp {OldStamp} -> {NewStamp}): the old one's calls are cancelled, its cached replies dropped")]
    public static partial void NewIncarnation(ILogger logger, System.Net.EndPoint? client, string machine, uint uid, uint oldStamp, uint newStamp);

    [LoggerMessage(1027, LogLevel.Warning, "The TLS handshake with {Client} after its AUTH_TLS probe failed; the connection is closed")]
    public static partial void TlsHandshakeFailed(ILogger logger, Exception exception, System.Net.EndPoint? client);

    [LoggerMessage(1028, LogLevel.Warning, "A shared-memory peer with uid {Uid} was refused: not the server's uid nor in RpcServerOptions.SharedMemory.AllowedUserIds")]
    public static partial void SharedMemoryPeerRefused(ILogger logger, uint uid);

    [LoggerMessage(1029, LogLevel.Warning, "Disposing the {Type} arguments or results of {Procedure} of {Program} version {Version} threw after the reply was written; ignored")]
    public static partial void DisposeFailed(ILogger logger, Exception exception, string type, string procedure, string program, string version);
}
