namespace OncRpc.Testing.Faults;

/// <summary>Settings of a <see cref="UdpFaultProxy"/>.</summary>
public sealed record UdpFaultProxyOptions
{
    /// <summary>The master seed: the same seed and the same traffic give the same decisions.</summary>
    public int Seed { get; init; }

    /// <summary>Faults on client-to-server datagrams.</summary>
    public UdpFaults Requests { get; init; } = UdpFaults.None;

    /// <summary>Faults on server-to-client datagrams.</summary>
    public UdpFaults Replies { get; init; } = UdpFaults.None;

    /// <summary>Clock of delays and reorder holds, so a test can drive them.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Most datagrams held back (delayed or waiting to be reordered) at once, over the
    /// whole proxy; past it a datagram is sent at once (counted as <c>HoldRefused</c>).</summary>
    public int MaxHeldDatagrams { get; init; } = 256;

    /// <summary>How long a datagram held for reordering waits for a next one before it is sent
    /// anyway (the last call of a client would otherwise never arrive).
    /// <see cref="Timeout.InfiniteTimeSpan"/>: until the next datagram.</summary>
    public TimeSpan ReorderHoldLimit { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Most client addresses served (one socket toward the server each); datagrams from
    /// further clients are dropped and counted as <c>RejectedClients</c>.</summary>
    public int MaxClients { get; init; } = 64;

    /// <summary>Decisions kept per direction for <see cref="UdpFaultProxy.Decisions"/>.</summary>
    public int DecisionLogCapacity { get; init; } = 100_000;

    internal void Validate()
    {
        Requests.Validate(nameof(Requests));
        Replies.Validate(nameof(Replies));
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxHeldDatagrams);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxClients, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(DecisionLogCapacity);
        if (ReorderHoldLimit < TimeSpan.Zero && ReorderHoldLimit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ReorderHoldLimit), ReorderHoldLimit, "must be positive or infinite");
        }
    }
}
