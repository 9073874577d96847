using System.Globalization;

namespace OncRpc.Diagnostics;

/// <summary>How log messages name a program, version and procedure: as the <c>.x</c> file does,
/// with the number beside it (<c>RLOG (1)</c>, <c>LOG_PROG (0x31234567)</c>, <c>LOG_VERS (1)</c>),
/// or the number alone when no name is known. Only called on paths that log.</summary>
internal static class LogNames
{
    public static string Procedure(RpcProcedureDescriptor descriptor) =>
        Named(descriptor.ProcedureName, descriptor.Procedure.ToString(CultureInfo.InvariantCulture), "procedure");

    public static string Program(RpcProcedureDescriptor descriptor) =>
        Named(descriptor.ProgramName, "0x" + descriptor.Program.ToString("x8", CultureInfo.InvariantCulture), "program");

    public static string Version(RpcProcedureDescriptor descriptor) =>
        Named(descriptor.VersionName, descriptor.Version.ToString(CultureInfo.InvariantCulture), null);

    private static string Named(string? name, string number, string? kind) =>
        name is null ? (kind is null ? number : kind + " " + number) : name + " (" + number + ")";
}
