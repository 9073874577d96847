using OncRpc.Auth;
using OncRpc.Protocol;

namespace OncRpc.Tests.Client;

/// <summary>Error replies name the call the way the .x does, program numbers in hex, and fall back
/// to numbers when the caller gave no names.</summary>
public sealed class ErrorMessageTests
{
    private static readonly RpcProcedureDescriptor s_withdraw = new(0x20000099, 1, 3, "BANK_PROG", "WITHDRAW");

    [Fact]
    public void AcceptedErrorsNameProgramVersionAndProcedure()
    {
        Assert.Equal("BANK_PROG (0x20000099) version 1 WITHDRAW: garbage arguments",
            RpcReplyHeader.Accepted(1, AcceptStat.GarbageArguments).ToException(s_withdraw)!.Message);
        Assert.Equal("BANK_PROG (0x20000099) version 1 WITHDRAW: procedure unavailable",
            RpcReplyHeader.Accepted(1, AcceptStat.ProcedureUnavailable).ToException(s_withdraw)!.Message);
        Assert.Equal("BANK_PROG (0x20000099) version 1 WITHDRAW: program version mismatch; the server supports versions 2..4",
            RpcReplyHeader.Accepted(1, AcceptStat.ProgramMismatch, 2, 4).ToException(s_withdraw)!.Message);
        Assert.Equal("BANK_PROG (0x20000099) version 1 WITHDRAW: authentication error: TooWeak",
            RpcReplyHeader.AuthError(1, AuthStat.TooWeak).ToException(s_withdraw)!.Message);
    }

    [Fact]
    public void WithoutNamesTheNumbersStandIn() =>
        Assert.Equal("program 0x20000099 version 1 procedure 3: system error",
            RpcReplyHeader.Accepted(1, AcceptStat.SystemError).ToException(0x20000099, 1, 3)!.Message);
}
