namespace OncRpc.Interop.Tests.Programs;

/// <summary>log.x: <c>program LOG_PROG { version LOG_VER { int RLOG(string) = 1; } = 1; } = 0x31234567;</c></summary>
public static class LogProgram
{
    public const uint Program = 0x31234567;
    public const uint Version = 1;
    public const uint RlogProcedure = 1;

    /// <summary>The program number as rpcinfo wants it (decimal).</summary>
    public const string ProgramDecimal = "824395111";

    public static readonly RpcProcedureDescriptor Rlog = new(Program, Version, RlogProcedure, "LOG_PROG", "RLOG");
}
