using System.Net;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Semantics.SemanticsHarness;

namespace OncRpc.Tests.Semantics;

/// <summary>At-most-once procedures through the duplicate-request cache, in memory.</summary>
public sealed class DuplicateRequestCacheTests
{
    [Fact]
    public async Task A_retransmitted_at_most_once_call_runs_once_and_replays_the_reply_byte_for_byte()
    {
        using var h = new SemanticsHarness();
        byte[]? first = await h.CallAsync(7, Deposit, 5);
        byte[]? again = await h.CallAsync(7, Deposit, 5);
        byte[]? overUdp = await h.CallAsync(7, Deposit, 5, transport: RpcTransportKind.Udp);
        Assert.Equal(RpcBytes.Success(7, XdrBytes.Words(1005)), first);
        Assert.Equal(first, again);
        Assert.Equal(first, overUdp);
        Assert.Equal(1, h.Executions);
        Assert.Equal(1, h.Statistics.Executions);
        Assert.Equal(2, h.Statistics.Hits);
    }

    [Fact]
    public async Task At_least_once_calls_run_again_for_every_retransmission()
    {
        using var h = new SemanticsHarness();
        await h.CallAsync(7, Add, 5);
        byte[]? again = await h.CallAsync(7, Add, 5);
        Assert.Equal(RpcBytes.Success(7, XdrBytes.Words(2005)), again);
        Assert.Equal(0, h.Statistics.Executions);
    }

    [Fact]
    public async Task The_key_holds_arguments_client_and_credential_so_a_reused_xid_is_a_new_call()
    {
        using var h = new SemanticsHarness();
        await h.CallAsync(7, Deposit, 5);
        Assert.Equal(RpcBytes.Success(7, XdrBytes.Words(2006)), await h.CallAsync(7, Deposit, 6));          // other arguments
        Assert.Equal(RpcBytes.Success(7, XdrBytes.Words(3005)), await h.CallAsync(7, Deposit, 5, ClientB)); // other host
        byte[] stamp1 = RpcBytes.AuthSysBody(1, "host", 10, 10);
        byte[] stamp2 = RpcBytes.AuthSysBody(2, "host", 10, 10);
        Assert.Equal(RpcBytes.Success(7, XdrBytes.Words(4005)), await h.CallAsync(7, Deposit, 5, authSys: stamp1));
        Assert.Equal(RpcBytes.Success(7, XdrBytes.Words(5005)), await h.CallAsync(7, Deposit, 5, authSys: stamp2));
        Assert.Equal(RpcBytes.Success(7, XdrBytes.Words(4005)), await h.CallAsync(7, Deposit, 5, authSys: stamp1));
        Assert.Equal(5, h.Executions);
    }

    [Fact]
    public async Task A_client_with_credentials_that_reconnects_from_another_port_still_hits()
    {
        using var h = new SemanticsHarness();
        byte[] identity = RpcBytes.AuthSysBody(77, "client", 10, 10);
        byte[]? first = await h.CallAsync(9, Deposit, 1, new IPEndPoint(ClientA.Address, 1001), authSys: identity);
        byte[]? afterReconnect = await h.CallAsync(9, Deposit, 1, new IPEndPoint(ClientA.Address, 1002), authSys: identity);
        Assert.Equal(first, afterReconnect);
        Assert.Equal(1, h.Executions);
    }

    [Theory]
    [InlineData(RpcTransportKind.Udp, true)]
    [InlineData(RpcTransportKind.Udp, false)]
    [InlineData(RpcTransportKind.Tcp, false)]
    public async Task Two_processes_on_one_host_with_the_same_xid_and_arguments_are_two_calls(RpcTransportKind transport, bool authSys)
    {
        // Over UDP the port tells them apart whatever the credential; over TCP with AUTH_NONE
        // nothing else can (and a reconnect cannot be recognised either).
        using var h = new SemanticsHarness();
        byte[]? identity = authSys ? RpcBytes.AuthSysBody(77, "client", 10, 10) : null;
        await h.CallAsync(9, Deposit, 1, new IPEndPoint(ClientA.Address, 1001), transport, identity);
        await h.CallAsync(9, Deposit, 1, new IPEndPoint(ClientA.Address, 1002), transport, identity);
        Assert.Equal(2, h.Executions);
    }

    [Fact]
    public async Task Anonymous_local_clients_on_two_unix_connections_are_two_clients()
    {
        using var h = new SemanticsHarness();
        var local = new System.Net.Sockets.UnixDomainSocketEndPoint("/run/bank.sock");
        await h.CallAsync(9, Deposit, 1, local, RpcTransportKind.Local);
        await h.CallAsync(9, Deposit, 1, local, RpcTransportKind.Local); // each OneCallSite is its own connection
        Assert.Equal(2, h.Executions);
        byte[] identity = RpcBytes.AuthSysBody(77, "client", 10, 10);
        await h.CallAsync(10, Deposit, 1, local, RpcTransportKind.Local, identity);
        await h.CallAsync(10, Deposit, 1, local, RpcTransportKind.Local, identity); // a credential: one client
        Assert.Equal(3, h.Executions);
    }

    [Fact]
    public async Task A_udp_retransmission_while_the_call_runs_is_dropped_and_not_run_again()
    {
        using var h = new SemanticsHarness();
        Task<byte[]?> running = h.CallAsync(3, Slow, 1, transport: RpcTransportKind.Udp);
        Assert.Null(await h.CallAsync(3, Slow, 1, transport: RpcTransportKind.Udp));
        Assert.False(running.IsCompleted);
        h.Release();
        Assert.Equal(RpcBytes.Success(3, XdrBytes.Words(1001)), await running);
        Assert.Equal(1, h.Executions);
        Assert.Equal(1, h.Statistics.InProgressDuplicates);
    }

    [Fact]
    public async Task A_tcp_retransmission_while_the_call_runs_waits_and_gets_the_same_reply()
    {
        using var h = new SemanticsHarness();
        Task<byte[]?> running = h.CallAsync(3, Slow, 1);
        Task<byte[]?> duplicate = h.CallAsync(3, Slow, 1);
        Assert.False(duplicate.IsCompleted);
        h.Release();
        Assert.Equal(RpcBytes.Success(3, XdrBytes.Words(1001)), await running);
        Assert.Equal(await running, await duplicate);
        Assert.Equal(1, h.Executions);
    }

    [Fact]
    public async Task Waiters_beyond_the_limit_are_dropped()
    {
        using var h = new SemanticsHarness(o => o.DuplicateRequestCache!.MaxWaitersPerEntry = 1);
        Task<byte[]?> running = h.CallAsync(3, Slow, 1);
        Task<byte[]?> waiting = h.CallAsync(3, Slow, 1);
        Assert.Null(await h.CallAsync(3, Slow, 1));
        h.Release();
        Assert.NotNull(await waiting);
        Assert.Equal(1, h.Executions);
    }

    [Fact]
    public async Task A_call_whose_handler_was_cancelled_is_forgotten_so_a_retransmission_runs_it()
    {
        using var h = new SemanticsHarness();
        using var gone = new CancellationTokenSource();
        Task<byte[]?> running = OneCallSite.RunAsync(h.Runtime, Message(4, Slow, 1), RpcTransportKind.Tcp, ClientA, gone.Token);
        gone.Cancel(); // the connection closed: extermination
        Assert.Null(await running);
        Assert.Equal(1, h.Cancelled);
        Task<byte[]?> again = h.CallAsync(4, Slow, 1);
        h.Release();
        Assert.Equal(RpcBytes.Success(4, XdrBytes.Words(2001)), await again);
    }

    [Fact]
    public async Task With_the_cache_off_at_most_once_calls_run_again()
    {
        using var h = new SemanticsHarness(o => o.DuplicateRequestCache = null);
        await h.CallAsync(7, Deposit, 5);
        await h.CallAsync(7, Deposit, 5);
        Assert.Equal(2, h.Executions);
        Assert.Null(h.Runtime.DuplicateRequests);
    }

    [Fact]
    public async Task Maybe_calls_run_and_are_never_answered()
    {
        using var h = new SemanticsHarness();
        Assert.Null(await h.CallAsync(1, Note, 1));
        Assert.Null(await h.CallAsync(2, Note, 1, transport: RpcTransportKind.Udp));
        Assert.Equal(2, h.Executions);
    }

    [Fact]
    public async Task Registration_can_make_a_procedure_at_most_once()
    {
        using var h = new SemanticsHarness(configureDispatcher: d =>
            d.Configure(Program, 1, Add, new OncRpc.Server.RpcProcedureOptions { Semantics = RpcCallSemantics.AtMostOnce }));
        await h.CallAsync(7, Add, 5);
        await h.CallAsync(7, Add, 5);
        Assert.Equal(1, h.Executions);
    }
}
