using System.Net;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Semantics.SemanticsHarness;

namespace OncRpc.Tests.Semantics;

/// <summary>The duplicate-request cache stays within its bounds, evicts by age and LRU, and keeps
/// one client from flushing another's entries.</summary>
public sealed class CacheBoundsTests
{
    [Fact]
    public async Task Entries_are_bounded_and_the_least_recently_used_goes_first()
    {
        using var h = new SemanticsHarness(o => o.DuplicateRequestCache!.MaxEntries = 3);
        for (uint xid = 1; xid <= 3; xid++)
        {
            await h.CallAsync(xid, Deposit);
        }
        await h.CallAsync(1, Deposit); // a hit: xid 1 is now the most recently used
        await h.CallAsync(4, Deposit); // evicts xid 2, the least recently used
        Assert.Equal(3, h.Statistics.Entries);
        Assert.Equal(1, h.Statistics.Evictions);
        int executed = h.Executions;
        await h.CallAsync(1, Deposit);
        await h.CallAsync(3, Deposit);
        Assert.Equal(executed, h.Executions);
        await h.CallAsync(2, Deposit);
        Assert.Equal(executed + 1, h.Executions);
    }

    [Fact]
    public async Task A_flooding_client_evicts_its_own_entries_not_others()
    {
        using var h = new SemanticsHarness(o =>
        {
            o.DuplicateRequestCache!.MaxEntries = 100;
            o.DuplicateRequestCache.MaxEntriesPerClient = 10;
        });
        byte[]? kept = await h.CallAsync(1, Deposit, 1, ClientB);
        for (uint xid = 1; xid <= 1000; xid++)
        {
            await h.CallAsync(xid, Deposit, 1, ClientA);
        }
        Assert.Equal(11, h.Statistics.Entries);
        int executed = h.Executions;
        Assert.Equal(kept, await h.CallAsync(1, Deposit, 1, ClientB));
        Assert.Equal(executed, h.Executions);
    }

    [Fact]
    public async Task In_a_full_cache_a_client_over_its_fair_share_evicts_its_own_entries()
    {
        using var h = new SemanticsHarness(o => o.DuplicateRequestCache!.MaxEntries = 100); // no per-client cap
        var kept = new List<byte[]?>();
        for (uint xid = 1; xid <= 10; xid++)
        {
            kept.Add(await h.CallAsync(xid, Deposit, 1, ClientB));
        }
        for (uint xid = 1; xid <= 1000; xid++)
        {
            await h.CallAsync(xid, Deposit, 1, ClientA);
        }
        Assert.Equal(100, h.Statistics.Entries);
        int executed = h.Executions;
        for (uint xid = 1; xid <= 10; xid++)
        {
            Assert.Equal(kept[(int)xid - 1], await h.CallAsync(xid, Deposit, 1, ClientB));
        }
        Assert.Equal(executed, h.Executions);
    }

    [Fact]
    public async Task A_client_alone_may_fill_the_cache()
    {
        using var h = new SemanticsHarness(o => o.DuplicateRequestCache!.MaxEntries = 100);
        for (uint xid = 1; xid <= 150; xid++)
        {
            await h.CallAsync(xid, Deposit, 1, ClientA);
        }
        Assert.Equal(100, h.Statistics.Entries);
        int executed = h.Executions;
        await h.CallAsync(51, Deposit, 1, ClientA); // the oldest 50 went, the newest 100 stay
        Assert.Equal(executed, h.Executions);
    }

    [Fact]
    public async Task Bytes_are_bounded()
    {
        using var h = new SemanticsHarness(o => o.DuplicateRequestCache!.MaxBytes = 4096);
        for (uint xid = 1; xid <= 200; xid++)
        {
            await h.CallAsync(xid, Deposit, 1, new IPEndPoint(IPAddress.Parse("198.51.100." + (xid % 200)), 1));
        }
        Assert.InRange(h.Statistics.Bytes, 1, 4096);
        Assert.True(h.Statistics.Evictions > 150);
    }

    [Fact]
    public async Task Entries_older_than_max_age_are_evicted()
    {
        using var h = new SemanticsHarness(o => o.DuplicateRequestCache!.MaxAge = TimeSpan.FromSeconds(30));
        await h.CallAsync(1, Deposit);
        h.Time.Advance(TimeSpan.FromSeconds(20));
        await h.CallAsync(1, Deposit); // a hit refreshes its age
        h.Time.Advance(TimeSpan.FromSeconds(20));
        await h.CallAsync(1, Deposit);
        Assert.Equal(1, h.Executions);
        h.Time.Advance(TimeSpan.FromSeconds(31));
        await h.CallAsync(1, Deposit);
        Assert.Equal(2, h.Executions);
    }

    [Fact]
    public async Task A_cache_full_of_running_calls_drops_new_ones_instead_of_running_them_unprotected()
    {
        using var h = new SemanticsHarness(o => o.DuplicateRequestCache!.MaxEntries = 2);
        Task<byte[]?> one = h.CallAsync(1, Slow);
        Task<byte[]?> two = h.CallAsync(2, Slow);
        Assert.Null(await h.CallAsync(3, Deposit));
        Assert.Equal(1, h.Statistics.Refused);
        h.Release();
        await Task.WhenAll(one, two);
        Assert.NotNull(await h.CallAsync(3, Deposit));
    }

    [Fact]
    public async Task A_million_distinct_xids_leave_the_cache_within_its_bounds()
    {
        using var h = new SemanticsHarness(o =>
        {
            o.DuplicateRequestCache!.MaxEntries = 4096;
            o.DuplicateRequestCache.MaxEntriesPerClient = 4096;
        });
        for (uint xid = 0; xid < 1_000_000; xid++)
        {
            await h.CallAsync(xid, Deposit);
        }
        Assert.Equal(4096, h.Statistics.Entries);
        Assert.Equal(1_000_000 - 4096, h.Statistics.Evictions);
        Assert.True(h.Statistics.Bytes < 4096 * 1024, $"{h.Statistics.Bytes} bytes");
    }
}
