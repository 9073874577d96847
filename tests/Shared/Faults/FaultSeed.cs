namespace OncRpc.Testing.Faults;

/// <summary>
/// Derives the seed of one <see cref="Random"/> (one per direction and client or connection)
/// from the proxy's master seed. <see cref="HashCode.Combine{T1,T2}"/> is randomised per process,
/// so it cannot be used: a seed must mean the same faults in every run.
/// </summary>
internal static class FaultSeed
{
    public static int Derive(int master, FaultDirection direction, long index)
    {
        ulong z = (ulong)(uint)master;
        z = Mix(z + 0x9E3779B97F4A7C15UL * (ulong)((int)direction + 1));
        z = Mix(z + 0x9E3779B97F4A7C15UL * unchecked((ulong)index + 1));
        return (int)(z >> 33);
    }

    // SplitMix64's finaliser: every input bit reaches every output bit.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
