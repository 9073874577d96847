namespace OncRpc.Auth.Gss.Internal;

/// <summary>
/// The server's sequence window of one context (RFC 2203 §5.3.3.1): a bitmap of the last
/// <see cref="Size"/> sequence numbers below and including the highest seen. A number above the
/// highest slides the window; one inside it is accepted once; one below it, or seen before, is
/// refused (the call is discarded silently). Invariant: bit i of <c>_seen</c> is set iff
/// <c>_highest - i</c> was accepted. Thread-safe.
/// </summary>
internal sealed class GssReplayWindow(int size)
{
    private readonly Lock _lock = new();
    private readonly ulong[] _seen = new ulong[(size + 63) / 64];
    private uint _highest;
    private bool _any;

    public int Size { get; } = size;

    /// <summary>True (and remembered) the first time <paramref name="sequence"/> is seen inside the window.</summary>
    public bool TryAccept(uint sequence)
    {
        lock (_lock)
        {
            if (!_any || sequence > _highest)
            {
                Shift(_any ? sequence - _highest : (uint)Size);
                _highest = sequence;
                _any = true;
                Set(0);
                return true;
            }
            uint age = _highest - sequence;
            if (age >= Size || IsSet((int)age))
            {
                return false;
            }
            Set((int)age);
            return true;
        }
    }

    private bool IsSet(int age) => (_seen[age >> 6] & (1UL << (age & 63))) != 0;

    private void Set(int age) => _seen[age >> 6] |= 1UL << (age & 63);

    /// <summary>Ages every bit by <paramref name="by"/> (bit i moves to i + by; those past the window fall off).</summary>
    private void Shift(uint by)
    {
        if (by >= (uint)Size)
        {
            Array.Clear(_seen);
            return;
        }
        int words = (int)(by >> 6), bits = (int)(by & 63);
        for (int i = _seen.Length - 1; i >= 0; i--)
        {
            int from = i - words;
            ulong value = from >= 0 ? _seen[from] << bits : 0;
            if (bits != 0 && from - 1 >= 0)
            {
                value |= _seen[from - 1] >> (64 - bits);
            }
            _seen[i] = value;
        }
    }
}
