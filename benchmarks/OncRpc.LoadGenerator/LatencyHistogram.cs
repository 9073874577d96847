using System.Numerics;

namespace OncRpc.LoadGenerator;

/// <summary>
/// HDR-style log-linear histogram of nanosecond values: 128 linear sub-buckets per power of two,
/// so every recorded value is kept within 1/128 (0.8 %) of its true value, in a fixed 40 KiB
/// whatever the number of samples. One per load loop (no sharing), merged at the end.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int Magnitudes = 64 - SubBucketBits;
    private readonly long[] _counts = new long[(Magnitudes + 1) * SubBuckets];
    private long _count;
    private long _max;
    private long _min = long.MaxValue;
    private double _sum;

    public long Count => _count;
    public long Max => _count == 0 ? 0 : _max;
    public long Min => _count == 0 ? 0 : _min;
    public double Mean => _count == 0 ? 0 : _sum / _count;

    public void Record(long nanoseconds)
    {
        if (nanoseconds < 0)
        {
            nanoseconds = 0;
        }
        _counts[IndexOf(nanoseconds)]++;
        _count++;
        _sum += nanoseconds;
        if (nanoseconds > _max)
        {
            _max = nanoseconds;
        }
        if (nanoseconds < _min)
        {
            _min = nanoseconds;
        }
    }

    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
        _count += other._count;
        _sum += other._sum;
        _max = Math.Max(_max, other._max);
        _min = Math.Min(_min, other._min);
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1): the smallest bucket whose
    /// cumulative count exceeds q * count, as the bucket's midpoint (capped at the max).</summary>
    public long ValueAtQuantile(double q)
    {
        if (_count == 0)
        {
            return 0;
        }
        long rank = Math.Min(_count - 1, (long)(q * _count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen > rank)
            {
                return Math.Min(_max, Math.Max(_min, Midpoint(i)));
            }
        }
        return _max;
    }

    private static int IndexOf(long value)
    {
        if (value < SubBuckets)
        {
            return (int)value;
        }
        int magnitude = 63 - BitOperations.LeadingZeroCount((ulong)value) - SubBucketBits + 1; // >= 1
        int sub = (int)(value >> (magnitude - 1)) - SubBuckets; // 0..127 (value has its top bit at SubBucketBits+magnitude-1)
        return magnitude * SubBuckets + sub;
    }

    private static long Midpoint(int index)
    {
        int magnitude = index / SubBuckets;
        int sub = index % SubBuckets;
        if (magnitude == 0)
        {
            return sub;
        }
        long low = (long)(sub + SubBuckets) << (magnitude - 1);
        long width = 1L << (magnitude - 1);
        return low + width / 2;
    }
}
