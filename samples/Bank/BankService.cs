using Bank.Generated;
using OncRpc;
using OncRpc.Server;

namespace Bank;

/// <summary>BANK_PROG version 1 over a <see cref="Ledger"/>. DEPOSIT and WITHDRAW change state,
/// so bank.x declares them at-most-once: the server's duplicate-request cache answers a
/// retransmission instead of moving the money twice. BALANCE is idempotent.</summary>
internal sealed class BankService(Ledger ledger) : BankV1ServiceBase
{
    public override ValueTask<BankResult> DepositAsync(BankTxn bankTxn, RpcCallContext context) =>
        ValueTask.FromResult(Result(ledger.Apply(bankTxn.Account, Positive(bankTxn.Amount))));

    public override ValueTask<BankResult> WithdrawAsync(BankTxn bankTxn, RpcCallContext context) =>
        ValueTask.FromResult(Result(ledger.Apply(bankTxn.Account, -Positive(bankTxn.Amount))));

    public override ValueTask<BankResult> BalanceAsync(uint arg, RpcCallContext context) =>
        ValueTask.FromResult<BankResult>(ledger.Balance(arg) is { } balance
            ? new BankResult.BankOk(balance)
            : new BankResult.Default(BankStatus.BankNoAccount));

    private static BankResult Result((long? Balance, bool Known) applied) => applied switch
    {
        ({ } balance, _) => new BankResult.BankOk(balance),
        (null, false) => new BankResult.Default(BankStatus.BankNoAccount),
        _ => new BankResult.Default(BankStatus.BankInsufficientFunds),
    };

    /// <summary>Amounts are positive: anything else is the caller's garbage, answered GARBAGE_ARGS.</summary>
    private static long Positive(long amount) =>
        amount > 0 ? amount : throw new RpcException(RpcStatus.GarbageArguments, "the amount must be positive");
}
