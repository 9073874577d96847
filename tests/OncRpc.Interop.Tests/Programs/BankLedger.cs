using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.Programs;

/// <summary>
/// bank.x served by our <see cref="RpcServer"/> for the at-most-once tests: balances per account
/// (an account exists once something was deposited to it), and a record of every execution of
/// DEPOSIT and WITHDRAW with its xid, so a test can tell how often each call really ran.
/// </summary>
public sealed class BankLedger
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, long> _balances = [];
    private readonly List<uint> _depositXids = [];
    private long _executions;

    /// <summary>DEPOSIT and WITHDRAW executions so far (duplicates included).</summary>
    public long Executions => Interlocked.Read(ref _executions);

    /// <summary>The xid of every DEPOSIT executed, in order of execution.</summary>
    public uint[] DepositXids
    {
        get
        {
            lock (_lock)
            {
                return [.. _depositXids];
            }
        }
    }

    /// <summary>The balance of <paramref name="account"/>, or null when it does not exist.</summary>
    public long? BalanceOf(uint account)
    {
        lock (_lock)
        {
            return _balances.TryGetValue(account, out var balance) ? balance : null;
        }
    }

    /// <summary>Registers DEPOSIT, WITHDRAW and BALANCE on <paramref name="dispatcher"/>.</summary>
    public void Register(RpcDispatcher dispatcher)
    {
        dispatcher.Register<BankTxn, BankResult>(BankProgram.Deposit, (txn, ctx) => ValueTask.FromResult(Deposit(txn, ctx.Xid)));
        dispatcher.Register<BankTxn, BankResult>(BankProgram.Withdraw, (txn, _) => ValueTask.FromResult(Withdraw(txn)));
        dispatcher.Register<XdrUInt, BankResult>(BankProgram.Balance, (account, _) => ValueTask.FromResult(Balance(account.Value)));
    }

    private BankResult Deposit(BankTxn txn, uint xid)
    {
        Interlocked.Increment(ref _executions);
        lock (_lock)
        {
            _depositXids.Add(xid);
            var balance = _balances.GetValueOrDefault(txn.Account) + txn.Amount;
            _balances[txn.Account] = balance;
            return BankResult.Ok(balance);
        }
    }

    private BankResult Withdraw(BankTxn txn)
    {
        Interlocked.Increment(ref _executions);
        lock (_lock)
        {
            if (!_balances.TryGetValue(txn.Account, out var balance))
            {
                return BankResult.Failed(BankStatus.NoAccount);
            }
            if (balance < txn.Amount)
            {
                return BankResult.Failed(BankStatus.InsufficientFunds);
            }
            _balances[txn.Account] = balance - txn.Amount;
            return BankResult.Ok(balance - txn.Amount);
        }
    }

    private BankResult Balance(uint account) =>
        BalanceOf(account) is { } balance ? BankResult.Ok(balance) : BankResult.Failed(BankStatus.NoAccount);
}
