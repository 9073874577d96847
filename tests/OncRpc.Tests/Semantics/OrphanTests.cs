using OncRpc.Server;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Semantics.SemanticsHarness;

namespace OncRpc.Tests.Semantics;

/// <summary>Orphans, in virtual time: expiration by a procedure's maximum execution time,
/// reincarnation by the AUTH_SYS stamp, expiry of UDP calls whose client stopped retransmitting.
/// (Extermination, a closed connection firing its calls' tokens, is covered with real sockets in
/// the server's connection tests and in DuplicateRequestCacheTests.)</summary>
public sealed class OrphanTests
{
    private static RpcProcedureOptions Limit(double seconds) => new() { MaxExecutionTime = TimeSpan.FromSeconds(seconds) };

    [Fact]
    public async Task A_call_past_its_maximum_execution_time_is_cancelled_and_answered_system_err()
    {
        using var h = new SemanticsHarness(configureDispatcher: d => d.Configure(Program, 1, Slow, Limit(5)));
        Task<byte[]?> running = h.CallAsync(1, Slow);
        h.Time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(running.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(RpcBytes.SystemError(1), await running);
        Assert.Equal(1, h.Cancelled);
        // At most once: the retransmission gets the same answer, not a second execution.
        Assert.Equal(RpcBytes.SystemError(1), await h.CallAsync(1, Slow));
        Assert.Equal(1, h.Executions);
    }

    [Fact]
    public async Task A_call_within_its_limit_is_untouched()
    {
        using var h = new SemanticsHarness(configureDispatcher: d => d.Configure(Program, 1, Slow, Limit(5)));
        Task<byte[]?> running = h.CallAsync(1, Slow);
        h.Time.Advance(TimeSpan.FromSeconds(4));
        h.Release();
        Assert.Equal(RpcBytes.Success(1, XdrBytes.Words(1001)), await running);
        h.Time.Advance(TimeSpan.FromSeconds(10)); // the disarmed deadline fires nothing later
        Assert.Equal(0, h.Cancelled);
    }

    [Fact]
    public async Task A_new_incarnation_cancels_the_old_ones_calls_and_drops_its_cache_entries()
    {
        using var h = new SemanticsHarness(o => o.CancelCallsOfOldIncarnations = true);
        byte[] life1 = RpcBytes.AuthSysBody(100, "client", 500, 500);
        byte[] life2 = RpcBytes.AuthSysBody(200, "client", 500, 500);
        await h.CallAsync(1, Deposit, 1, authSys: life1);
        Task<byte[]?> orphan = h.CallAsync(2, Slow, 1, authSys: life1);
        Assert.False(orphan.IsCompleted);
        Assert.NotNull(await h.CallAsync(1, Add, 1, authSys: life2)); // the client restarted
        Assert.Null(await orphan);
        Assert.Equal(1, h.Cancelled);
        int executed = h.Executions;
        await h.CallAsync(1, Deposit, 1, authSys: life1); // its cached reply was dropped: runs again
        Assert.Equal(executed + 1, h.Executions);
    }

    [Fact]
    public async Task Another_user_or_host_is_another_client_not_a_new_incarnation()
    {
        using var h = new SemanticsHarness(o => o.CancelCallsOfOldIncarnations = true);
        Task<byte[]?> running = h.CallAsync(2, Slow, 1, authSys: RpcBytes.AuthSysBody(100, "client", 500, 500));
        await h.CallAsync(1, Add, 1, authSys: RpcBytes.AuthSysBody(200, "client", 501, 500));
        await h.CallAsync(1, Add, 1, ClientB, authSys: RpcBytes.AuthSysBody(200, "client", 500, 500));
        await h.CallAsync(1, Add, 1, authSys: RpcBytes.AuthSysBody(200, "other", 500, 500));
        Assert.False(running.IsCompleted);
        h.Release();
        Assert.NotNull(await running);
        Assert.Equal(0, h.Cancelled);
    }

    [Fact]
    public async Task Without_the_option_stamps_are_not_incarnations()
    {
        using var h = new SemanticsHarness();
        Task<byte[]?> running = h.CallAsync(2, Slow, 1, authSys: RpcBytes.AuthSysBody(100, "client", 500, 500));
        await h.CallAsync(1, Add, 1, authSys: RpcBytes.AuthSysBody(200, "client", 500, 500));
        h.Release();
        Assert.NotNull(await running);
        Assert.Equal(0, h.Cancelled);
    }

    [Fact]
    public async Task A_udp_call_whose_client_stopped_retransmitting_is_cancelled()
    {
        using var h = new SemanticsHarness(o => o.DuplicateRequestCache!.UdpOrphanTimeout = TimeSpan.FromSeconds(3));
        Task<byte[]?> abandoned = h.CallAsync(1, Slow, 1, transport: RpcTransportKind.Udp);
        Task<byte[]?> alive = h.CallAsync(2, Slow, 1, transport: RpcTransportKind.Udp);
        for (int i = 0; i < 4; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.Null(await h.CallAsync(2, Slow, 1, transport: RpcTransportKind.Udp)); // still retransmitting
        }
        Assert.Null(await abandoned);
        Assert.Equal(1, h.Cancelled);
        Assert.False(alive.IsCompleted);
        h.Release();
        Assert.Equal(RpcBytes.Success(2, XdrBytes.Words(2001)), await alive);
    }
}
