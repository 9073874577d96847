using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.Programs;

// Hand-written XDR types for bank.x, laid out as rpcgen does, so the bank tests do not depend on
// the compiler.

/// <summary><c>enum bank_status</c>.</summary>
public enum BankStatus
{
    Ok = 0,
    NoAccount = 1,
    InsufficientFunds = 2,
}

/// <summary><c>struct bank_txn { unsigned int account; hyper amount; string memo&lt;BANK_MEMO_MAX&gt;; }</c></summary>
public sealed class BankTxn : IXdrSerializable<BankTxn>
{
    public uint Account { get; init; }
    public long Amount { get; init; }
    public string Memo { get; init; } = "";

    public static BankTxn ReadFrom(ref XdrReader reader) => new()
    {
        Account = reader.ReadUInt32(),
        Amount = reader.ReadInt64(),
        Memo = reader.ReadString(BankProgram.MemoMax),
    };

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt32(Account);
        writer.WriteInt64(Amount);
        writer.WriteString(Memo, BankProgram.MemoMax);
    }
}

/// <summary><c>union bank_result switch (bank_status status) { case BANK_OK: hyper balance; default: void; }</c></summary>
public sealed class BankResult : IXdrSerializable<BankResult>
{
    public BankStatus Status { get; init; }

    /// <summary>The balance after the operation; present only when <see cref="Status"/> is Ok.</summary>
    public long Balance { get; init; }

    public static BankResult Ok(long balance) => new() { Status = BankStatus.Ok, Balance = balance };

    public static BankResult Failed(BankStatus status) => new() { Status = status };

    public static BankResult ReadFrom(ref XdrReader reader)
    {
        var status = (BankStatus)reader.ReadEnum();
        return status == BankStatus.Ok ? Ok(reader.ReadInt64()) : Failed(status);
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteEnum((int)Status);
        if (Status == BankStatus.Ok)
        {
            writer.WriteInt64(Balance);
        }
    }
}
