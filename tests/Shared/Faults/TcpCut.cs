namespace OncRpc.Testing.Faults;

/// <summary>
/// When a <see cref="TcpFaultProxy"/> cuts a connection: after forwarding a number of bytes in
/// one direction, drawn per connection uniformly in [<paramref name="MinBytes"/>,
/// <paramref name="MaxBytes"/>] from that connection's own <see cref="Random"/>. The cut happens
/// exactly at that byte, even in the middle of a record.
/// </summary>
public sealed record TcpCut(long MinBytes, long MaxBytes)
{
    /// <summary>Cut after exactly <paramref name="bytes"/> bytes.</summary>
    public static TcpCut After(long bytes) => Between(bytes, bytes);

    /// <summary>Cut after a random count of bytes in [min, max].</summary>
    public static TcpCut Between(long minBytes, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, minBytes);
        return new TcpCut(minBytes, maxBytes);
    }

    /// <summary>Cut about every <paramref name="calls"/> calls of about
    /// <paramref name="bytesPerCall"/> bytes each (record mark included): after a random count
    /// of bytes between half and one and a half times their product.</summary>
    public static TcpCut AboutEveryCalls(int calls, int bytesPerCall)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(calls, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerCall, 1);
        long mean = (long)calls * bytesPerCall;
        return Between(mean / 2, mean + mean / 2);
    }

    internal long Draw(Random random) => MinBytes == MaxBytes ? MinBytes : random.NextInt64(MinBytes, MaxBytes + 1);
}
