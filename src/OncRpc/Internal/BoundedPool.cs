using System.Collections.Concurrent;

namespace OncRpc.Internal;

/// <summary>
/// A thread-safe pool of reusable objects bounded by count and by bytes: the one pool type of the
/// runtime (server calls, encode buffers, client pending calls). Invariant: the objects held never
/// number more than <c>maxCount</c> nor weigh more than <c>maxBytes</c> together, where an
/// object's weight is what <c>weigh</c> says when it is returned (a returned object does not
/// change while pooled). An object over the bound is not kept: <see cref="Return"/> says false and
/// the caller frees it, so one large burst never leaves the pool large afterwards.
/// </summary>
internal sealed class BoundedPool<T> where T : class
{
    private readonly ConcurrentQueue<(T Item, long Weight)> _items = new();
    private readonly int _maxCount;
    private readonly long _maxBytes;
    private readonly Func<T, long>? _weigh;
    private int _count;
    private long _bytes;

    public BoundedPool(int maxCount, long maxBytes = long.MaxValue, Func<T, long>? weigh = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        _maxCount = maxCount;
        _maxBytes = maxBytes;
        _weigh = weigh;
    }

    /// <summary>Objects held now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Bytes held now, as weighed when returned.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public bool TryRent(out T item)
    {
        if (_items.TryDequeue(out (T Item, long Weight) entry))
        {
            Interlocked.Decrement(ref _count);
            if (entry.Weight != 0)
            {
                Interlocked.Add(ref _bytes, -entry.Weight);
            }
            item = entry.Item;
            return true;
        }
        item = null!;
        return false;
    }

    /// <summary>Keeps <paramref name="item"/> if the bounds allow; false means the caller frees it.</summary>
    public bool Return(T item)
    {
        long weight = _weigh?.Invoke(item) ?? 0;
        if (weight > _maxBytes)
        {
            return false;
        }
        if (Interlocked.Increment(ref _count) > _maxCount)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }
        if (weight > 0 && Interlocked.Add(ref _bytes, weight) > _maxBytes)
        {
            Interlocked.Add(ref _bytes, -weight);
            Interlocked.Decrement(ref _count);
            return false;
        }
        _items.Enqueue((item, weight));
        return true;
    }

    /// <summary>Takes every object out (for disposal at shutdown).</summary>
    public IEnumerable<T> Drain()
    {
        while (TryRent(out T item))
        {
            yield return item;
        }
    }
}
