using System.Diagnostics.CodeAnalysis;

namespace OncRpc.Internal;

/// <summary>
/// One object of type <typeparamref name="T"/> kept aside per thread, in front of a shared pool:
/// the object this thread gave back last is the one it takes next, so a sequential caller (whose
/// continuation runs where it calls again) reuses one cache-warm object with no interlocked
/// operation, where the shared pool, a queue, would cycle through every object it holds.
/// <para>Invariant: a thread holds at most one spare per type, outside its pool's bounds (the
/// caller keeps only objects small enough for that to cost little); an object is either this
/// thread's spare or in use or pooled, never two of these. One pool per type uses it.</para>
/// </summary>
internal static class ThreadSpare<T> where T : class
{
    [ThreadStatic]
    private static T? t_spare;

    /// <summary>Takes this thread's spare, if it has one.</summary>
    public static bool TryTake([NotNullWhen(true)] out T? item)
    {
        item = t_spare;
        if (item is null)
        {
            return false;
        }
        t_spare = null;
        return true;
    }

    /// <summary>Keeps <paramref name="item"/> as this thread's spare; false when it has one
    /// already (the caller pools or frees it).</summary>
    public static bool TryKeep(T item)
    {
        if (t_spare is not null)
        {
            return false;
        }
        t_spare = item;
        return true;
    }
}
