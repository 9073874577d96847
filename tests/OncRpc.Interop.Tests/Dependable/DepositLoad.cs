using System.Net;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Interop.Tests.Generated.Bank;

namespace OncRpc.Interop.Tests.Dependable;

/// <summary>
/// Many DEPOSITs of 1 to one account from our client, a fixed number in flight, each retried by
/// the runtime alone (UDP retransmission with its xid; TCP resend with its xid after a cut) until
/// its deadline: counts what was acknowledged (BANK_OK) and what failed.
/// </summary>
internal static class DepositLoad
{
    public sealed record Result(int Acknowledged, int Failed, string? FirstFailure);

    public static RpcClientOptions ClientOptions(TimeSpan? retransmit = null) => new()
    {
        // Long enough that every call is acknowledged in the end; short retransmissions so the
        // lost ones cost little.
        Timeout = TimeSpan.FromSeconds(120),
        RetransmitInterval = retransmit ?? TimeSpan.FromMilliseconds(20),
        MaxRetransmitInterval = TimeSpan.FromMilliseconds(200),
        Credentials = new AuthSysCredentials(AuthSysParameters.ForCurrentProcess(), useShortHandles: false),
    };

    public static async Task<Result> RunAsync(RpcClient client, uint account, int count, int inFlight,
        Func<int, Task>? afterEachAcknowledged = null, CancellationToken cancellationToken = default)
    {
        var bank = new BankV1Client(client);
        int next = -1, acknowledged = 0, failed = 0;
        string? firstFailure = null;
        async Task LoopAsync()
        {
            while (Interlocked.Increment(ref next) < count)
            {
                try
                {
                    BankResult result = await bank.DepositAsync(new BankTxn { Account = account, Amount = 1, Memo = "load" }, cancellationToken);
                    if (result is BankResult.BankOk)
                    {
                        int done = Interlocked.Increment(ref acknowledged);
                        if (afterEachAcknowledged is not null)
                        {
                            await afterEachAcknowledged(done);
                        }
                        continue;
                    }
                    Interlocked.CompareExchange(ref firstFailure, $"status {result.Status}", null);
                }
                catch (RpcException e)
                {
                    Interlocked.CompareExchange(ref firstFailure, e.Message, null);
                }
                Interlocked.Increment(ref failed);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(_ => Task.Run(LoopAsync, cancellationToken)));
        return new Result(acknowledged, failed, firstFailure);
    }

    /// <summary>The account's balance, asked without faults in between.</summary>
    public static async Task<long> BalanceAsync(IPEndPoint server, uint account, CancellationToken cancellationToken)
    {
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server, cancellationToken: cancellationToken);
        BankResult result = await new BankV1Client(client).BalanceAsync(account, cancellationToken);
        return Assert.IsType<BankResult.BankOk>(result).Balance;
    }
}
