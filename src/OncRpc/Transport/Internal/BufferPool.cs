using System.Collections.Concurrent;

namespace OncRpc.Transport.Internal;

/// <summary>A small pool of <see cref="PooledBufferWriter"/>s for encoding calls and replies, so
/// the hot path allocates neither the writer nor (through ArrayPool) its array.</summary>
internal static class BufferPool
{
    private const int MaxPooled = 256;
    private const int MaxRetainedCapacity = 1024 * 1024;
    private static readonly ConcurrentQueue<PooledBufferWriter> s_pool = new();
    private static int s_count;

    public static PooledBufferWriter Rent()
    {
        if (s_pool.TryDequeue(out PooledBufferWriter? writer))
        {
            Interlocked.Decrement(ref s_count);
            writer.Reset();
            return writer;
        }
        return new PooledBufferWriter(4096);
    }

    public static void Return(PooledBufferWriter writer)
    {
        // Keep neither huge buffers nor an unbounded number of writers.
        if (writer.Capacity > MaxRetainedCapacity)
        {
            writer.Dispose();
            return;
        }
        if (Interlocked.Increment(ref s_count) > MaxPooled)
        {
            Interlocked.Decrement(ref s_count);
            writer.Dispose();
            return;
        }
        writer.Reset();
        s_pool.Enqueue(writer);
    }
}
