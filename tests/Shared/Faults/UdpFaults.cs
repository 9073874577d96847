namespace OncRpc.Testing.Faults;

/// <summary>
/// The faults a <see cref="UdpFaultProxy"/> injects in one direction, as independent
/// probabilities per datagram (0 to 1). A dropped datagram is neither duplicated, delayed nor
/// reordered; a delayed one is not also held for reordering (its delay reorders it already).
/// </summary>
public sealed record UdpFaults
{
    /// <summary>Every datagram forwarded once, at once, in order.</summary>
    public static UdpFaults None { get; } = new();

    /// <summary>Probability that a datagram is not forwarded.</summary>
    public double Drop { get; init; }

    /// <summary>Probability that a datagram is forwarded twice.</summary>
    public double Duplicate { get; init; }

    /// <summary>Probability that a datagram is held for a random time up to <see cref="MaxDelay"/>.</summary>
    public double Delay { get; init; }

    /// <summary>Upper bound of a delay (uniform in [0, MaxDelay)).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Probability that a datagram is held back and sent after the next one.</summary>
    public double Reorder { get; init; }

    internal void Validate(string name)
    {
        Check(Drop, nameof(Drop));
        Check(Duplicate, nameof(Duplicate));
        Check(Delay, nameof(Delay));
        Check(Reorder, nameof(Reorder));
        if (MaxDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, MaxDelay, $"{name}.{nameof(MaxDelay)} must not be negative");
        }

        void Check(double p, string what)
        {
            if (!(p >= 0 && p <= 1))
            {
                throw new ArgumentOutOfRangeException(name, p, $"{name}.{what} is a probability (0 to 1)");
            }
        }
    }
}
