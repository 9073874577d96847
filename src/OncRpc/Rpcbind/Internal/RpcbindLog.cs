using System.Net;
using Microsoft.Extensions.Logging;

namespace OncRpc.Rpcbind.Internal;

/// <summary>rpcbind's log messages; event ids 1400-1499.</summary>
internal static partial class RpcbindLog
{
    [LoggerMessage(1400, LogLevel.Warning, "Refused {Procedure} from {RemoteEndPoint}: only local callers may register")]
    public static partial void RegistrationRefused(ILogger logger, string procedure, EndPoint? remoteEndPoint);

    [LoggerMessage(1401, LogLevel.Warning, "Refused an indirect call to program {Program} from {RemoteEndPoint}: {Reason}")]
    public static partial void IndirectRefused(ILogger logger, uint program, EndPoint? remoteEndPoint, string reason);

    [LoggerMessage(1402, LogLevel.Information, "{Procedure}: program {Program} version {Version} {Netid} {Address} owner {Owner}: {Outcome}")]
    public static partial void Registration(ILogger logger, string procedure, uint program, uint version, string netid, string address,
        string owner, bool outcome);
}
