using System.Globalization;
using System.Net;
using Bank.Generated;
using OncRpc;
using OncRpc.Auth;
using OncRpc.Client;

namespace Bank;

/// <summary>One call: <c>deposit ACCOUNT AMOUNT</c>, <c>withdraw ACCOUNT AMOUNT</c> or
/// <c>balance ACCOUNT</c>, with AUTH_SYS credentials stamped with this process's incarnation.</summary>
internal static class ClientMode
{
    public static async Task<int> RunAsync(Options options)
    {
        if (options.Words is not [var verb, var accountText, .. var rest]
            || !uint.TryParse(accountText, CultureInfo.InvariantCulture, out uint account))
        {
            throw new ArgumentException("say deposit ACCOUNT AMOUNT, withdraw ACCOUNT AMOUNT or balance ACCOUNT");
        }
        long amount = 0;
        if (verb is "deposit" or "withdraw" && (rest is not [var amountText] || !long.TryParse(amountText, CultureInfo.InvariantCulture, out amount)))
        {
            throw new ArgumentException($"{verb} takes ACCOUNT AMOUNT");
        }
        var endPoint = new IPEndPoint(IPAddress.Parse(options.Host), options.Port);
        var clientOptions = new RpcClientOptions
        {
            Timeout = options.Timeout,
            Credentials = new AuthSysCredentials(AuthSysParameters.ForCurrentProcess()),
        };
        await using RpcClient rpc = options.Transport == "udp"
            ? RpcClient.CreateUdp(endPoint, clientOptions)
            : await RpcClient.ConnectTcpAsync(endPoint, clientOptions);
        var bank = new BankV1Client(rpc);
        try
        {
            BankResult result = verb switch
            {
                "deposit" => await bank.DepositAsync(new BankTxn { Account = account, Amount = amount, Memo = "sample" }),
                "withdraw" => await bank.WithdrawAsync(new BankTxn { Account = account, Amount = amount, Memo = "sample" }),
                "balance" => await bank.BalanceAsync(account),
                _ => throw new ArgumentException($"unknown operation '{verb}'"),
            };
            Console.WriteLine(result is BankResult.BankOk ok
                ? $"{verb.ToUpperInvariant()} account {account}: BANK_OK, balance {ok.Balance}"
                : $"{verb.ToUpperInvariant()} account {account}: {Name(result.Status)}");
            return result is BankResult.BankOk ? 0 : 1;
        }
        catch (RpcException e)
        {
            // A lost connection on an at-most-once call was resent with its xid until the
            // deadline; what is left means the outcome is unknown: the deposit may have happened.
            Console.Error.WriteLine($"{verb.ToUpperInvariant()} account {account}: {e.Message}");
            return 3;
        }
    }

    private static string Name(BankStatus status) => status switch
    {
        BankStatus.BankOk => "BANK_OK",
        BankStatus.BankNoAccount => "BANK_NO_ACCOUNT",
        BankStatus.BankInsufficientFunds => "BANK_INSUFFICIENT_FUNDS",
        _ => status.ToString(),
    };
}
