using OncRpc.Internal;
using OncRpc.Tests.Server;
using OncRpc.Transport.Internal;

namespace OncRpc.Tests.Memory;

/// <summary>The pools' bounds: <see cref="BoundedPool{T}"/> by count and bytes, the encode-buffer
/// pool (a writer whose array grew past the shared pool's sizes is not kept), and the large-array
/// buckets (bounded by bytes, nothing over 1 MiB kept). The static pools are process-wide, so these
/// run alone.</summary>
[Collection(nameof(ServerMemoryCollection))]
public sealed class PoolBoundTests
{
    private sealed class Item(long weight)
    {
        public long Weight { get; } = weight;
    }

    [Fact]
    public void A_bounded_pool_keeps_no_more_than_its_count()
    {
        var pool = new BoundedPool<Item>(maxCount: 3);
        bool[] kept = [.. Enumerable.Range(0, 5).Select(_ => pool.Return(new Item(0)))];
        Assert.Equal([true, true, true, false, false], kept);
        Assert.Equal(3, pool.Count);
        Assert.True(pool.TryRent(out _));
        Assert.True(pool.Return(new Item(0)));
        Assert.Equal(3, pool.Drain().Count());
        Assert.Equal(0, pool.Count);
        Assert.False(pool.TryRent(out _));
    }

    [Fact]
    public void A_bounded_pool_keeps_no_more_than_its_bytes_and_refuses_an_object_heavier_than_all_of_them()
    {
        var pool = new BoundedPool<Item>(maxCount: 100, maxBytes: 1000, weigh: static i => i.Weight);
        Assert.False(pool.Return(new Item(1001)));
        Assert.True(pool.Return(new Item(600)));
        Assert.False(pool.Return(new Item(401)));
        Assert.True(pool.Return(new Item(400)));
        Assert.Equal(1000, pool.Bytes);
        Assert.True(pool.TryRent(out Item first));
        Assert.Equal(400, pool.Bytes);
        Assert.Equal(600, first.Weight);
        Assert.True(pool.Return(new Item(600)));
        Assert.Equal(1000, pool.Bytes);
    }

    [Fact]
    public async Task A_bounded_pool_stays_within_its_bounds_under_concurrent_returns_and_rents()
    {
        // The counters reserve before an object goes in and release after it comes out, so only
        // between rounds (nothing in flight) do they equal what the pool holds; then they must be
        // within the bounds and agree with the objects drained.
        var pool = new BoundedPool<Item>(maxCount: 50, maxBytes: 10_000, weigh: static i => i.Weight);
        for (int round = 0; round < 10; round++)
        {
            Task[] workers = [.. Enumerable.Range(0, 4).Select(w => Task.Run(() =>
            {
                var random = new Random(round * 10 + w);
                for (int i = 0; i < 5_000; i++)
                {
                    if (random.Next(3) == 0)
                    {
                        pool.TryRent(out _);
                    }
                    else
                    {
                        pool.Return(new Item(random.Next(0, 2_000)));
                    }
                }
            }, TestContext.Current.CancellationToken))];
            await Task.WhenAll(workers);
            Assert.InRange(pool.Count, 0, 50);
            Assert.InRange(pool.Bytes, 0, 10_000);
        }
        (int count, long bytes) = (pool.Count, pool.Bytes);
        Item[] drained = [.. pool.Drain()];
        Assert.Equal(count, drained.Length);
        Assert.Equal(bytes, drained.Sum(i => i.Weight));
        Assert.Equal(0, pool.Bytes);
    }

    [Fact]
    public void An_encode_buffer_grown_past_the_shared_sizes_is_freed_when_returned()
    {
        PooledBufferWriter writer = BufferPool.Rent();
        writer.GetSpan(300_000);
        writer.Advance(300_000);
        Assert.True(writer.Capacity > BytePool.SharedMaxLength);
        BufferPool.Return(writer);
        // Not kept: disposed (its array went back), so the pool's bytes never carry it.
        Assert.Equal(0, writer.Capacity);
    }

    [Fact]
    public void A_thread_gets_back_the_small_writer_it_returned_last_reset_and_a_large_one_is_not_kept_aside()
    {
        PooledBufferWriter held = BufferPool.Rent(); // empties this thread's slot, if an earlier test filled it
        var small = new PooledBufferWriter(4096);
        small.GetSpan(100);
        small.Advance(100);
        BufferPool.Return(small);
        PooledBufferWriter again = BufferPool.Rent();
        Assert.Same(small, again);
        Assert.Equal(0, again.WrittenCount);

        // The slot is empty while `again` is out, but a writer of 32 KiB goes to the shared pool,
        // not aside: the slot then takes `again`, and the next rent hands it out.
        var large = new PooledBufferWriter(32 * 1024);
        BufferPool.Return(large);
        BufferPool.Return(again);
        Assert.Same(again, BufferPool.Rent());
        BufferPool.Return(held);
    }

    [Fact]
    public void Encode_buffers_kept_never_weigh_more_than_the_pool_bound()
    {
        var writers = new List<PooledBufferWriter>();
        for (int i = 0; i < 100; i++)
        {
            PooledBufferWriter writer = BufferPool.Rent();
            writer.GetSpan(100_000);
            writer.Advance(100_000);
            writers.Add(writer);
        }
        foreach (PooledBufferWriter writer in writers)
        {
            BufferPool.Return(writer);
        }
        Assert.True(BufferPool.PooledBytes <= BufferPool.MaxPooledBytes, $"{BufferPool.PooledBytes} bytes pooled");
        // 100 writers of 128 KiB are 12.5 MiB: most were freed, none kept past the bound.
        int kept = writers.Count(w => w.Capacity > 0);
        Assert.InRange(kept, 0, (int)(BufferPool.MaxPooledBytes / (128 * 1024)));
    }

    [Fact]
    public void A_large_array_comes_back_from_its_bucket_and_the_buckets_stay_within_their_bytes()
    {
        // Three rents empty the 512 KiB bucket (it keeps two): the one returned is the next rented.
        byte[][] rented = [BytePool.Rent(300_000), BytePool.Rent(300_000), BytePool.Rent(300_000)];
        Assert.All(rented, a => Assert.Equal(512 * 1024, a.Length));
        BytePool.Return(rented[0]);
        Assert.Same(rented[0], BytePool.Rent(400_000));

        var arrays = new List<byte[]>(rented);
        foreach (int size in new[] { 200_000, 300_000, 700_000 })
        {
            for (int i = 0; i < 10; i++)
            {
                arrays.Add(BytePool.Rent(size));
            }
        }
        foreach (byte[] array in arrays)
        {
            BytePool.Return(array);
        }
        // Each bucket filled up to its bound and no further: 4 x 256 KiB, 2 x 512 KiB, 1 x 1 MiB.
        Assert.Equal(BytePool.MaxLargeBytes, BytePool.LargeBytes);
    }

    [Fact]
    public void An_array_over_1_MiB_is_never_kept()
    {
        byte[] huge = BytePool.Rent(BytePool.MaxLargeLength + 1);
        Assert.Equal(BytePool.MaxLargeLength + 1, huge.Length);
        long before = BytePool.LargeBytes;
        BytePool.Return(huge);
        Assert.Equal(before, BytePool.LargeBytes);
        Assert.NotSame(huge, BytePool.Rent(BytePool.MaxLargeLength + 1));
    }

    [Fact]
    public void Arrays_up_to_128_KiB_come_from_the_shared_pool()
    {
        byte[] array = BytePool.Rent(65_536 + 100);
        Assert.Equal(BytePool.SharedMaxLength, array.Length);
        long before = BytePool.LargeBytes;
        BytePool.Return(array);
        Assert.Equal(before, BytePool.LargeBytes);
    }
}
