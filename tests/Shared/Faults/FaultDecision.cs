namespace OncRpc.Testing.Faults;

/// <summary>What the dice said for one datagram. <see cref="None"/>: forwarded as it came.</summary>
[Flags]
public enum FaultActions
{
    None = 0,
    Dropped = 1,
    Duplicated = 2,
    Delayed = 4,
    Reordered = 8,
}

/// <summary>
/// The fault drawn for the <paramref name="Sequence"/>-th datagram (from 0) of the
/// <paramref name="Client"/>-th client (from 0, in order of first appearance) in one direction.
/// It is a pure function of the seed and the datagram's position, never of timing: when the
/// proxy's bound on held datagrams turns a delay or a hold into an immediate send, the decision
/// still reads Delayed/Reordered and the counters' <c>HoldRefused</c> says so.
/// </summary>
public readonly record struct FaultDecision(int Client, long Sequence, FaultActions Actions, TimeSpan Delay);
