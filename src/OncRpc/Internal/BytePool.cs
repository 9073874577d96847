using System.Buffers;
using System.Numerics;

namespace OncRpc.Internal;

/// <summary>
/// Where the runtime's byte arrays come from, and the one place that decides which are kept.
/// Arrays up to <see cref="SharedMaxLength"/> come from and go back to
/// <see cref="ArrayPool{T}.Shared"/> (cheap, per core; a 64 KiB payload, NFS's usual rsize/wsize,
/// with its headers fits). Larger ones do not: the shared pool keeps up to 32 arrays of each size
/// per core plus one per thread and lets them go only on a gen-2 collection a minute after their
/// last use, so after a burst of 300 KB calls on many connections it held tens of MiB long after
/// every connection had closed (docs/performance.md, "Memory after a large-call load"). They come
/// from buckets of our own (256 KiB, 512 KiB, 1 MiB), each bounded to <see cref="MaxBucketBytes"/>;
/// larger arrays are allocated for the use and left to the collector.
/// Invariant: <see cref="LargeBytes"/> never exceeds <see cref="MaxLargeBytes"/>, and no array
/// longer than <see cref="MaxLargeLength"/> is kept.
/// </summary>
internal static class BytePool
{
    /// <summary>Longest array served by the shared pool.</summary>
    public const int SharedMaxLength = 128 * 1024;

    /// <summary>Longest array kept at all.</summary>
    public const int MaxLargeLength = 1024 * 1024;

    /// <summary>Bytes each large bucket keeps at most (four 256 KiB, two 512 KiB or one 1 MiB array).</summary>
    public const long MaxBucketBytes = 1024 * 1024;

    /// <summary>Bytes the large buckets keep, all buckets together.</summary>
    public const long MaxLargeBytes = 3 * MaxBucketBytes;

    private const int FirstLargeShift = 18; // 256 KiB, the first power of two above SharedMaxLength
    private static readonly BoundedPool<byte[]>[] s_large =
        [NewBucket(1 << FirstLargeShift), NewBucket(1 << (FirstLargeShift + 1)), NewBucket(1 << (FirstLargeShift + 2))];

    /// <summary>Bytes of large arrays kept now (for memory figures and tests).</summary>
    public static long LargeBytes
    {
        get
        {
            long bytes = 0;
            foreach (BoundedPool<byte[]> bucket in s_large)
            {
                bytes += bucket.Bytes;
            }
            return bytes;
        }
    }

    /// <summary>An array of at least <paramref name="minimumLength"/> bytes, contents undefined.</summary>
    public static byte[] Rent(int minimumLength)
    {
        if (minimumLength <= SharedMaxLength)
        {
            return ArrayPool<byte>.Shared.Rent(minimumLength);
        }
        if (minimumLength > MaxLargeLength)
        {
            return GC.AllocateUninitializedArray<byte>(minimumLength);
        }
        int length = (int)BitOperations.RoundUpToPowerOf2((uint)minimumLength);
        return s_large[BucketOf(length)].TryRent(out byte[] array) ? array : GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Gives back an array from <see cref="Rent"/>; it is kept or dropped by its length.</summary>
    public static void Return(byte[] array)
    {
        if (array.Length <= SharedMaxLength)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
        else if (array.Length <= MaxLargeLength && BitOperations.IsPow2(array.Length))
        {
            _ = s_large[BucketOf(array.Length)].Return(array);
        }
        // else: over the largest bucket, or not a size Rent hands out; the collector takes it.
    }

    private static int BucketOf(int length) => BitOperations.Log2((uint)length) - FirstLargeShift;

    private static BoundedPool<byte[]> NewBucket(int length) =>
        new((int)(MaxBucketBytes / length), MaxBucketBytes, static a => a.Length);
}
