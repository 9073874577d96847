using System.Net;
using OncRpc.Client;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Interop.Tests.Generated.Bank;
using OncRpc.Testing.Faults;

namespace OncRpc.Interop.Tests.Dependable;

/// <summary>
/// Issue 10's proof: samples/Bank's server (a process, at-most-once DEPOSIT) behind a seeded
/// fault proxy, 10,000 DEPOSITs of 1, and the final balance equals the deposits acknowledged,
/// exactly — with our client over UDP, over TCP with the connection cut about every 100 calls,
/// with libtirpc's client over UDP, and across a server restart on its persistent state. With the
/// cache off the same load executes deposits twice, so these tests can fail.
/// </summary>
public sealed class BankUnderFaultsTests : IDisposable
{
    private const int Deposits = 10_000;
    private const int InFlight = 32;

    /// <summary>30 % of requests and 30 % of replies dropped, 10 % duplicated, some reordered.</summary>
    private static readonly UdpFaults Lossy = new() { Drop = 0.30, Duplicate = 0.10, Reorder = 0.05 };

    private readonly string _state = Directory.CreateTempSubdirectory("oncrpc-bank-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private static UdpFaultProxy LossyProxy(int port, int seed) =>
        UdpFaultProxy.Start(new IPEndPoint(IPAddress.Loopback, port), new UdpFaultProxyOptions { Seed = seed, Requests = Lossy, Replies = Lossy });

    private static void AssertExactlyOnce(DepositLoad.Result load, long balance, string faults)
    {
        Assert.True(load.Failed == 0, $"{load.Failed} deposits not acknowledged (first: {load.FirstFailure}); {faults}");
        Assert.Equal(Deposits, load.Acknowledged);
        Assert.True(balance == load.Acknowledged, $"balance {balance} after {load.Acknowledged} acknowledged deposits; {faults}");
    }

    [Fact]
    public async Task Our_udp_client_through_loss_duplication_and_reordering_deposits_exactly_once()
    {
        await using PeerProcess server = await BankServer.StartAsync(0, "both", cancellationToken: Ct);
        await using UdpFaultProxy proxy = LossyProxy(server.UdpPort, seed: 1010);
        DepositLoad.Result load;
        await using (RpcClient client = RpcClient.CreateUdp(proxy.EndPoint, DepositLoad.ClientOptions()))
        {
            load = await DepositLoad.RunAsync(client, 1, Deposits, InFlight, cancellationToken: Ct);
        }
        long balance = await DepositLoad.BalanceAsync(server.TcpEndPoint, 1, Ct);
        AssertExactlyOnce(load, balance, $"proxy requests {proxy.Requests}, replies {proxy.Replies}");
        Assert.True(proxy.Replies.Dropped > 1000, "the proxy lost replies, so retransmissions were answered from the cache");
    }

    [Fact]
    public async Task Our_tcp_client_with_the_connection_cut_about_every_100_calls_deposits_exactly_once()
    {
        await using PeerProcess server = await BankServer.StartAsync(0, "both", cancellationToken: Ct);
        // Cut in the reply direction: calls that ran lose their replies with the connection, and
        // the client resends them, same xid, on the next one. A reply is 32 bytes with its mark.
        await using TcpFaultProxy proxy = TcpFaultProxy.Start(server.TcpEndPoint, new TcpFaultProxyOptions
        {
            Seed = 2020,
            CutReplies = TcpCut.AboutEveryCalls(100, 32),
        });
        DepositLoad.Result load;
        await using (RpcClient client = await RpcClient.ConnectTcpAsync(proxy.EndPoint, DepositLoad.ClientOptions(), Ct))
        {
            load = await DepositLoad.RunAsync(client, 2, Deposits, InFlight, cancellationToken: Ct);
        }
        long balance = await DepositLoad.BalanceAsync(server.TcpEndPoint, 2, Ct);
        AssertExactlyOnce(load, balance, $"proxy {proxy.Counters}");
        Assert.True(proxy.Counters.Cut >= 50, $"the proxy cut {proxy.Counters.Cut} connections");
    }

    [Fact]
    public async Task Libtirpc_clients_over_udp_through_loss_deposit_exactly_once()
    {
        var peers = CPeers.Get();
        await using PeerProcess server = await BankServer.StartAsync(0, "both", cancellationToken: Ct);
        await using UdpFaultProxy proxy = LossyProxy(server.UdpPort, seed: 3030);
        // bank_clnt calls one at a time, so eight of them share the load; each retries a call that
        // timed out with the same xid (CLSET_XID) until acknowledged.
        const int clients = 8;
        BankClientReport[] reports = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ =>
            peers.RunBankClientAsync(proxy.EndPoint.Port, "udp", 3, Deposits / clients,
                retry: TimeSpan.FromMilliseconds(10), total: TimeSpan.FromMilliseconds(300),
                timeout: TimeSpan.FromMinutes(5), cancellationToken: Ct)));
        foreach (BankClientReport report in reports)
        {
            report.AssertSucceeded();
        }
        long acknowledged = reports.Sum(r => r.Acknowledged!.Value);
        long balance = await DepositLoad.BalanceAsync(server.TcpEndPoint, 3, Ct);
        Assert.Equal(Deposits, acknowledged);
        Assert.True(balance == acknowledged, $"balance {balance} after {acknowledged} acknowledged; proxy replies {proxy.Replies}");
        // Replies of executed calls were lost: libtirpc retransmitted them (same xid) and the cache answered.
        Assert.True(proxy.Replies.Dropped > 1000, $"proxy replies {proxy.Replies}");
    }

    [Fact]
    public async Task A_server_restarted_in_the_middle_keeps_balances_and_its_cache()
    {
        PeerProcess server = await BankServer.StartAsync(0, "udp", _state, cancellationToken: Ct);
        int port = server.UdpPort;
        await using UdpFaultProxy proxy = LossyProxy(port, seed: 4040);
        var restarted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        DepositLoad.Result load;
        try
        {
            await using RpcClient client = RpcClient.CreateUdp(proxy.EndPoint, DepositLoad.ClientOptions());
            load = await DepositLoad.RunAsync(client, 4, Deposits, InFlight, async acknowledged =>
            {
                if (acknowledged == Deposits / 2)
                {
                    // SIGTERM: calls in flight finish (their balances and cache entries reach the
                    // disk), then a new process on the same state and port; the clients keep
                    // retransmitting through the gap.
                    await server.DisposeAsync();
                    string before = server.StandardOutput;
                    server = await BankServer.StartAsync(port, "udp", _state, cancellationToken: Ct);
                    restarted.SetResult(before);
                }
            }, Ct);
            Assert.Contains("stopped;", await restarted.Task.WaitAsync(TimeSpan.FromSeconds(60), Ct), StringComparison.Ordinal);
            await using RpcClient direct = RpcClient.CreateUdp(new IPEndPoint(IPAddress.Loopback, port));
            BankResult result = await new BankV1Client(direct).BalanceAsync(4, Ct);
            AssertExactlyOnce(load, Assert.IsType<BankResult.BankOk>(result).Balance, $"proxy replies {proxy.Replies}");
        }
        finally
        {
            await server.DisposeAsync();
        }
        // The second run answered retransmissions of the first run's calls from the cache it loaded.
        Assert.Matches(@"[1-9][0-9]* loaded at start", server.StandardOutput);
    }

    [Fact]
    public async Task Without_the_cache_the_same_faults_execute_deposits_twice()
    {
        await using PeerProcess server = await BankServer.StartAsync(0, "both", cache: false, cancellationToken: Ct);
        await using UdpFaultProxy proxy = LossyProxy(server.UdpPort, seed: 5050);
        DepositLoad.Result load;
        await using (RpcClient client = RpcClient.CreateUdp(proxy.EndPoint, DepositLoad.ClientOptions()))
        {
            load = await DepositLoad.RunAsync(client, 5, 2_000, InFlight, cancellationToken: Ct);
        }
        long balance = await DepositLoad.BalanceAsync(server.TcpEndPoint, 5, Ct);
        Assert.Equal(2_000, load.Acknowledged);
        Assert.True(balance > load.Acknowledged, $"balance {balance}: lost replies and duplicates should have run deposits again");
    }
}
