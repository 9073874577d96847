using OncRpc.Internal;

namespace OncRpc.Transport.Internal;

/// <summary>A pool of <see cref="PooledBufferWriter"/>s for encoding calls and replies, so the hot
/// path allocates neither the writer nor (through <see cref="BytePool"/>) its array. Bounded by
/// bytes as well as count: a writer's array never shrinks, so after a load of large calls a count
/// bound alone would keep every pooled writer large (256 x 1 MiB). A writer whose array grew past
/// the shared pool's sizes (<see cref="BytePool.SharedMaxLength"/>, room for a 64 KiB payload) is
/// not kept: it is disposed, and its array goes back to <see cref="BytePool"/>, which keeps large
/// arrays under a bound of its own. Each thread also keeps one small writer aside (at most
/// 16 KiB each, outside the bound: one per thread that encodes).</summary>
internal static class BufferPool
{
    private const int MaxPooled = 256;
    internal const long MaxPooledBytes = 4 * 1024 * 1024;
    private static readonly BoundedPool<PooledBufferWriter> s_pool =
        new(MaxPooled, MaxPooledBytes, static w => w.Capacity > BytePool.SharedMaxLength ? long.MaxValue : w.Capacity);

    /// <summary>Bytes of buffers the pool holds now (for memory tests).</summary>
    internal static long PooledBytes => s_pool.Bytes;

    /// <summary>A small writer this thread returned last, handed out first: a sequential caller
    /// encodes every call into the same buffer, cache-warm, with no interlocked operation (the
    /// shared pool is a queue, which cycles through every writer it holds).</summary>
    private const int ThreadSpareMaxCapacity = 16 * 1024;

    [ThreadStatic]
    private static PooledBufferWriter? t_spare;

    public static PooledBufferWriter Rent()
    {
        if (t_spare is { } spare)
        {
            t_spare = null;
            return spare; // reset when returned
        }
        if (s_pool.TryRent(out PooledBufferWriter writer))
        {
            writer.Reset();
            return writer;
        }
        return new PooledBufferWriter(4096);
    }

    public static void Return(PooledBufferWriter writer)
    {
        writer.Reset();
        if (t_spare is null && writer.Capacity <= ThreadSpareMaxCapacity)
        {
            t_spare = writer;
            return;
        }
        if (!s_pool.Return(writer))
        {
            writer.Dispose();
        }
    }
}
