using OncRpc.Internal;

namespace OncRpc.Transport.Internal;

/// <summary>A pool of <see cref="PooledBufferWriter"/>s for encoding calls and replies, so the hot
/// path allocates neither the writer nor (through ArrayPool) its array. Bounded by bytes as well as
/// count: a writer's array never shrinks, so after a load of large calls a count bound alone would
/// keep every pooled writer large (256 x 1 MiB); a writer over 1 MiB is never kept.</summary>
internal static class BufferPool
{
    private const int MaxPooled = 256;
    private const long MaxPooledBytes = 4 * 1024 * 1024;
    private const int MaxRetainedCapacity = 1024 * 1024;
    private static readonly BoundedPool<PooledBufferWriter> s_pool =
        new(MaxPooled, MaxPooledBytes, static w => w.Capacity > MaxRetainedCapacity ? long.MaxValue : w.Capacity);

    /// <summary>Bytes of buffers the pool holds now (for memory tests).</summary>
    internal static long PooledBytes => s_pool.Bytes;

    public static PooledBufferWriter Rent()
    {
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
        if (!s_pool.Return(writer))
        {
            writer.Dispose();
        }
    }
}
