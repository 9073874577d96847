using System.Buffers.Binary;
using System.Net;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Interop.Tests.Programs;
using OncRpc.Server;
using OncRpc.Testing.Faults;

namespace OncRpc.Interop.Tests.DotNet;

/// <summary>
/// The libtirpc bank client (bank_clnt, built from bank.x) against our server serving bank.x:
/// every deposit acknowledged once is executed once, and a deposit whose request was lost is made
/// again with its own xid. The runs under injected reply faults, where only a duplicate-request
/// cache keeps executions equal to acknowledgements, build on these.
/// </summary>
public sealed class BankCClientTests
{
    private const uint Account = 7;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static async Task<(RpcServer Server, BankLedger Ledger)> StartBankServerAsync(RpcServerOptions? options = null)
    {
        var server = new RpcServer(options ?? new RpcServerOptions());
        var ledger = new BankLedger();
        ledger.Register(server.Dispatcher);
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        server.ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(Ct);
        return (server, ledger);
    }

    internal static IPEndPoint EndPoint(RpcServer server, RpcTransportKind transport) =>
        (IPEndPoint)server.EndPoints.First(e => e.Transport == transport).EndPoint;

    /// <summary>The xid libtirpc gives the call after one with <paramref name="xid"/>: clnt_dg adds
    /// one; clnt_vc decrements the word in network byte order in place, so on a little-endian
    /// host its xids step by -0x01000000 (with the borrow running through the bytes backwards).</summary>
    private static uint NextLibtirpcXid(string transport, uint xid) =>
        transport == "udp" || !BitConverter.IsLittleEndian
            ? (transport == "udp" ? unchecked(xid + 1) : unchecked(xid - 1))
            : BinaryPrimitives.ReverseEndianness(unchecked(BinaryPrimitives.ReverseEndianness(xid) - 1));

    /// <summary>Asserts each executed call carried the xid libtirpc gives the call after the one
    /// before: one unbroken sequence, so no retry was given a new xid (it would leave a gap) and
    /// nothing ran twice (a repeat).</summary>
    private static void AssertOneXidSequence(string transport, uint[] xids, int count)
    {
        Assert.Equal(count, xids.Length);
        for (var i = 1; i < count; i++)
        {
            Assert.True(xids[i] == NextLibtirpcXid(transport, xids[i - 1]),
                $"deposit {i} ran with xid {xids[i]:x8} after {xids[i - 1]:x8}: a gap or a repeat");
        }
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    public async Task EveryDepositIsAcknowledgedAndExecutedOnce(string transport)
    {
        var peers = CPeers.Get();
        var (server, ledger) = await StartBankServerAsync();
        await using (server)
        {
            const int count = 200;
            var port = EndPoint(server, transport == "udp" ? RpcTransportKind.Udp : RpcTransportKind.Tcp).Port;
            // A retransmission interval far above a loopback round trip: without faults no call is
            // repeated, so executions equal acknowledgements even without a duplicate-request cache.
            var report = (await peers.RunBankClientAsync(port, transport, Account, count,
                retry: TimeSpan.FromSeconds(2), total: TimeSpan.FromSeconds(10), cancellationToken: Ct)).AssertSucceeded();

            var detail = report.Process.Describe();
            Assert.True(report.Acknowledged == count, detail);
            Assert.True(report.Calls == count && report.Retries == 0, detail);
            Assert.True(report.LastBalance == count && report.Balance == count, detail);
            Assert.Equal(count, ledger.Executions);
            Assert.Equal(count, ledger.BalanceOf(Account));
            AssertOneXidSequence(transport, ledger.DepositXids, count);
        }
    }

    [Fact]
    public async Task ALostRequestIsMadeAgainWithItsXid()
    {
        var peers = CPeers.Get();
        var (server, ledger) = await StartBankServerAsync();
        await using (server)
        {
            // Requests only are lost: a lost request never ran, so each retry runs it once, and
            // executions still equal acknowledgements without a duplicate-request cache.
            await using var proxy = UdpFaultProxy.Start(EndPoint(server, RpcTransportKind.Udp), new UdpFaultProxyOptions
            {
                Seed = 20261202,
                Requests = new UdpFaults { Drop = 0.25 },
            });
            const int count = 40;
            // One try per clnt_call (retry = total), well above a loopback round trip, so a call is
            // repeated only when the proxy dropped it.
            var report = (await peers.RunBankClientAsync(proxy.EndPoint.Port, "udp", Account, count,
                retry: TimeSpan.FromMilliseconds(300), total: TimeSpan.FromMilliseconds(300), cancellationToken: Ct)).AssertSucceeded();

            var detail = $"{report.Process.Describe()}\nproxy requests: {proxy.Requests}";
            var dropped = proxy.Requests.Dropped;
            Assert.True(report.Acknowledged == count && report.Balance == count, detail);
            Assert.True(dropped > 0, detail); // the seed drops some, or this test proves nothing
            Assert.True(report.Retries > 0 && report.Retries <= dropped, detail);
            Assert.Equal(report.Calls, count + report.Retries);
            Assert.Equal(count, ledger.Executions);
            // Had a retry taken a new xid, the dropped calls' xids would be gaps here.
            AssertOneXidSequence("udp", ledger.DepositXids, count);
        }
    }

    [Fact]
    public async Task ACallCutOffOverTcpIsMadeAgainWithItsXidOnANewConnection()
    {
        var peers = CPeers.Get();
        var (server, ledger) = await StartBankServerAsync();
        await using (server)
        {
            // bank_clnt's DEPOSIT record: 4 (record mark) + 40 (call header, AUTH_NONE) + 24
            // (account, amount, "deposit"). Each connection is cut 30 bytes into its 11th call, so
            // that call never ran (half a record) and must be made again on a new connection.
            const int record = 68, count = 100, cuts = 5;
            await using var proxy = TcpFaultProxy.Start(EndPoint(server, RpcTransportKind.Tcp), new TcpFaultProxyOptions
            {
                CutRequests = TcpCut.After(10 * record + 30),
                MaxCuts = cuts,
            });
            var report = (await peers.RunBankClientAsync(proxy.EndPoint.Port, "tcp", Account, count,
                retry: TimeSpan.FromSeconds(2), total: TimeSpan.FromSeconds(10), cancellationToken: Ct)).AssertSucceeded();

            var detail = $"{report.Process.Describe()}\nproxy: {proxy.Counters}";
            Assert.True(report.Acknowledged == count && report.Balance == count, detail);
            Assert.True(report.Retries == cuts && report.Calls == count + cuts, detail);
            Assert.True(proxy.Counters.Cut == cuts && proxy.Counters.Accepted == cuts + 1, detail);
            Assert.Equal(count, ledger.Executions);
            // The retried calls kept their xids across the new connections (CLSET_XID, corrected
            // for clnt_vc's byte order), so the executed xids are one unbroken libtirpc sequence.
            AssertOneXidSequence("tcp", ledger.DepositXids, count);
        }
    }
}
