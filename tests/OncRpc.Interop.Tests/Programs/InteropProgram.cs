namespace OncRpc.Interop.Tests.Programs;

/// <summary>interop.x's numbers and descriptors (tests/TestData/x/interop.x).</summary>
public static class InteropProgram
{
    public const uint Program = 0x31234568;
    public const uint V1 = 1;
    public const uint V2 = 2;

    /// <summary>The program number as rpcinfo wants it (decimal).</summary>
    public const string ProgramDecimal = "824395112";

    /// <summary>A program number no interop server exports (interop_clnt uses it for PROG_UNAVAIL).</summary>
    public const uint NotServedProgram = 0x3123ffff;

    public const int FixedOpaque = 12;
    public const int FixedArray = 3;
    public const uint MaxOpaque = 16;
    public const uint MaxName = 32;
    public const uint MaxArray = 8;

    // FAIL codes
    public const int FailSystemErr = 1;
    public const int FailGarbageArgs = 2;
    public const int FailAuthTooWeak = 3;
    public const int FailAuthBadCred = 4;
    public const int FailProcUnavail = 5;
    public const int FailNoReply = 6;

    // Version 1 procedures
    public const uint NullProc = 0;
    public const uint EchoIntProc = 1;
    public const uint EchoUIntProc = 2;
    public const uint EchoHyperProc = 3;
    public const uint EchoUHyperProc = 4;
    public const uint EchoFloatProc = 5;
    public const uint EchoDoubleProc = 6;
    public const uint EchoBoolProc = 7;
    public const uint EchoColorProc = 8;
    public const uint EchoTextProc = 9;
    public const uint EchoBytesProc = 10;
    public const uint EchoScalarsProc = 11;
    public const uint EchoBlobsProc = 12;
    public const uint EchoChoiceProc = 13;
    public const uint EchoPaintedProc = 14;
    public const uint EchoListProc = 15;
    public const uint EchoRecordProc = 16;
    public const uint FailProc = 17;
    public const uint WhoAmIProc = 18;
    public const uint SleepMsProc = 19;
    public const uint WhichVersionProc = 20;

    private static RpcProcedureDescriptor V1Proc(uint proc, string name) => new(Program, V1, proc, "INTEROP_PROG", name);

    public static readonly RpcProcedureDescriptor Null = V1Proc(NullProc, "INTEROP_NULL");
    public static readonly RpcProcedureDescriptor EchoInt = V1Proc(EchoIntProc, "ECHO_INT");
    public static readonly RpcProcedureDescriptor EchoUInt = V1Proc(EchoUIntProc, "ECHO_UINT");
    public static readonly RpcProcedureDescriptor EchoHyper = V1Proc(EchoHyperProc, "ECHO_HYPER");
    public static readonly RpcProcedureDescriptor EchoUHyper = V1Proc(EchoUHyperProc, "ECHO_UHYPER");
    public static readonly RpcProcedureDescriptor EchoFloat = V1Proc(EchoFloatProc, "ECHO_FLOAT");
    public static readonly RpcProcedureDescriptor EchoDouble = V1Proc(EchoDoubleProc, "ECHO_DOUBLE");
    public static readonly RpcProcedureDescriptor EchoBool = V1Proc(EchoBoolProc, "ECHO_BOOL");
    public static readonly RpcProcedureDescriptor EchoColor = V1Proc(EchoColorProc, "ECHO_COLOR");
    public static readonly RpcProcedureDescriptor EchoText = V1Proc(EchoTextProc, "ECHO_TEXT");
    public static readonly RpcProcedureDescriptor EchoBytes = V1Proc(EchoBytesProc, "ECHO_BYTES");
    public static readonly RpcProcedureDescriptor EchoScalars = V1Proc(EchoScalarsProc, "ECHO_SCALARS");
    public static readonly RpcProcedureDescriptor EchoBlobs = V1Proc(EchoBlobsProc, "ECHO_BLOBS");
    public static readonly RpcProcedureDescriptor EchoChoice = V1Proc(EchoChoiceProc, "ECHO_CHOICE");
    public static readonly RpcProcedureDescriptor EchoPainted = V1Proc(EchoPaintedProc, "ECHO_PAINTED");
    public static readonly RpcProcedureDescriptor EchoList = V1Proc(EchoListProc, "ECHO_LIST");
    public static readonly RpcProcedureDescriptor EchoRecord = V1Proc(EchoRecordProc, "ECHO_RECORD");
    public static readonly RpcProcedureDescriptor Fail = V1Proc(FailProc, "FAIL");
    public static readonly RpcProcedureDescriptor WhoAmI = V1Proc(WhoAmIProc, "WHOAMI");
    public static readonly RpcProcedureDescriptor SleepMs = V1Proc(SleepMsProc, "SLEEP_MS");
    public static readonly RpcProcedureDescriptor WhichVersion = V1Proc(WhichVersionProc, "WHICH_VERSION");

    // Version 2 procedures
    public static readonly RpcProcedureDescriptor Null2 = new(Program, V2, 0, "INTEROP_PROG", "INTEROP_NULL2");
    public static readonly RpcProcedureDescriptor EchoInt2 = new(Program, V2, 1, "INTEROP_PROG", "ECHO_INT2");
    public static readonly RpcProcedureDescriptor WhichVersion2 = new(Program, V2, 20, "INTEROP_PROG", "WHICH_VERSION2");

    /// <summary>Version 3, which no server has: PROG_MISMATCH with low 1, high 2.</summary>
    public static readonly RpcProcedureDescriptor NullV3 = new(Program, 3, 0, "INTEROP_PROG", "INTEROP_NULL");

    /// <summary>A procedure number version 1 does not have: PROC_UNAVAIL.</summary>
    public static readonly RpcProcedureDescriptor UnknownProcedure = new(Program, V1, 99, "INTEROP_PROG", "NO_SUCH_PROC");

    /// <summary>A program nobody serves: PROG_UNAVAIL.</summary>
    public static readonly RpcProcedureDescriptor UnknownProgram = new(NotServedProgram, 1, 0, "NOT_SERVED", "NULL");
}
