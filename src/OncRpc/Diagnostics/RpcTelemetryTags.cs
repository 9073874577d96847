using System.Diagnostics;
using System.Globalization;

namespace OncRpc.Diagnostics;

/// <summary>
/// The one naming scheme of client and server telemetry: OpenTelemetry's RPC conventions
/// (<c>rpc.system</c> = <c>onc_rpc</c>, <c>rpc.service</c>, <c>rpc.method</c>) and the
/// <c>onc_rpc.*</c> attributes, with names as the <c>.x</c> file has them.
/// </summary>
internal static class RpcTelemetryTags
{
    public const string RpcSystemValue = "onc_rpc";
    public const string RpcSystem = "rpc.system";
    public const string RpcService = "rpc.service";
    public const string RpcMethod = "rpc.method";
    public const string ProgramName = "onc_rpc.program.name";
    public const string ProgramNumber = "onc_rpc.program.number";
    public const string Version = "onc_rpc.version";
    public const string ProcedureName = "onc_rpc.procedure.name";
    public const string ProcedureNumber = "onc_rpc.procedure.number";
    public const string Status = "onc_rpc.status";
    public const string ErrorType = "error.type";
    public const string NetworkTransport = "network.transport";

    /// <summary>The span's name: <c>{program}/{procedure}</c>, names where known.</summary>
    public static string SpanName(RpcProcedureDescriptor procedure) =>
        $"{Program(procedure)}/{procedure.DisplayName}";

    /// <summary>The program's .x name, or its number.</summary>
    public static string Program(RpcProcedureDescriptor procedure) =>
        procedure.ProgramName ?? procedure.Program.ToString(CultureInfo.InvariantCulture);

    public static string Transport(RpcTransportKind transport) => transport switch
    {
        RpcTransportKind.Udp => "udp",
        RpcTransportKind.Tcp => "tcp",
        RpcTransportKind.SharedMemory => "shm",
        _ => "unix",
    };

    /// <summary>Tags a span of either side with the procedure and the transport.</summary>
    public static void SetProcedureTags(Activity activity, RpcProcedureDescriptor procedure, string transport)
    {
        string program = Program(procedure);
        activity.SetTag(RpcSystem, RpcSystemValue);
        activity.SetTag(RpcService, program);
        activity.SetTag(RpcMethod, procedure.DisplayName);
        activity.SetTag(ProgramName, program);
        activity.SetTag(ProgramNumber, procedure.Program);
        activity.SetTag(Version, procedure.Version);
        activity.SetTag(ProcedureName, procedure.DisplayName);
        activity.SetTag(ProcedureNumber, procedure.Procedure);
        activity.SetTag(NetworkTransport, transport);
    }

    /// <summary>The metric tags of one call (seven, so the list stays inline and allocates
    /// nothing): names when known, numbers always.</summary>
    public static TagList ProcedureTags(uint program, uint version, uint procedure, RpcProcedureDescriptor? descriptor)
    {
        var tags = new TagList
        {
            { RpcSystem, RpcSystemValue },
            { ProgramNumber, program },
            { Version, version },
            { ProcedureNumber, procedure },
        };
        if (descriptor?.ProgramName is { } programName)
        {
            tags.Add(ProgramName, programName);
        }
        if (descriptor?.ProcedureName is { } procedureName)
        {
            tags.Add(ProcedureName, procedureName);
        }
        return tags;
    }

    /// <summary>A failed call's <c>error.type</c> on the client: the wire's name for a protocol
    /// answer (<c>PROG_UNAVAIL</c>, <c>SYSTEM_ERR</c>..., as the server's <c>onc_rpc.status</c>),
    /// the <see cref="RpcStatus"/> name for a transport outcome (<c>TimedOut</c>,
    /// <c>ConnectionLost</c>...), the exception's type otherwise.</summary>
    public static string ErrorTypeOf(Exception exception) => exception switch
    {
        RpcException { Status: RpcStatus.ProgramUnavailable } => "PROG_UNAVAIL",
        RpcException { Status: RpcStatus.ProgramMismatch } => "PROG_MISMATCH",
        RpcException { Status: RpcStatus.ProcedureUnavailable } => "PROC_UNAVAIL",
        RpcException { Status: RpcStatus.GarbageArguments } => "GARBAGE_ARGS",
        RpcException { Status: RpcStatus.SystemError } => "SYSTEM_ERR",
        RpcException { Status: RpcStatus.RpcMismatch } => "RPC_MISMATCH",
        RpcException { Status: RpcStatus.AuthError } => "AUTH_ERROR",
        RpcException rpc => rpc.Status.ToString(),
        _ => exception.GetType().FullName ?? exception.GetType().Name,
    };
}
