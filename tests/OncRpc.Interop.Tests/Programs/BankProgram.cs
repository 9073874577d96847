namespace OncRpc.Interop.Tests.Programs;

/// <summary>bank.x's numbers and descriptors (tests/TestData/x/bank.x): the non-idempotent
/// service of the at-most-once tests. DEPOSIT and WITHDRAW are at-most-once, BALANCE idempotent,
/// as the .x file's comments say.</summary>
public static class BankProgram
{
    public const uint Program = 0x20000099;
    public const uint V1 = 1;
    public const uint MemoMax = 64;

    public const uint DepositProc = 1;
    public const uint WithdrawProc = 2;
    public const uint BalanceProc = 3;

    public static readonly RpcProcedureDescriptor Deposit =
        new(Program, V1, DepositProc, "BANK_PROG", "DEPOSIT") { Semantics = RpcCallSemantics.AtMostOnce };

    public static readonly RpcProcedureDescriptor Withdraw =
        new(Program, V1, WithdrawProc, "BANK_PROG", "WITHDRAW") { Semantics = RpcCallSemantics.AtMostOnce };

    public static readonly RpcProcedureDescriptor Balance = new(Program, V1, BalanceProc, "BANK_PROG", "BALANCE");
}
