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

    /// <summary>Writers at most this large are kept as the thread's spare (ThreadSpare: the one a
    /// thread returned last, handed out first).</summary>
    private const int ThreadSpareMaxCapacity = 16 * 1024;

    public static PooledBufferWriter Rent()
    {
        if (ThreadSpare<PooledBufferWriter>.TryTake(out PooledBufferWriter? spare))
        {
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
        if (writer.Capacity <= ThreadSpareMaxCapacity && ThreadSpare<PooledBufferWriter>.TryKeep(writer))
        {
            return;
        }
        if (!s_pool.Return(writer))
        {
            writer.Dispose();
        }
    }
}
