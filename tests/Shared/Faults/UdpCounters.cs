namespace OncRpc.Testing.Faults;

/// <summary>What a <see cref="UdpFaultProxy"/> did in one direction, at one moment.</summary>
/// <param name="Received">Datagrams that reached the proxy and were dealt with (counted after
/// the other counters of the same datagram).</param>
/// <param name="Forwarded">Datagrams sent on (a duplicate counts twice).</param>
/// <param name="Dropped">Datagrams not forwarded.</param>
/// <param name="Duplicated">Datagrams forwarded twice.</param>
/// <param name="Delayed">Datagrams held for a random delay.</param>
/// <param name="Reordered">Datagrams held back and sent after the next one (or after
/// <see cref="UdpFaultProxyOptions.ReorderHoldLimit"/>).</param>
/// <param name="HoldRefused">Delays or reorder holds not done because the bound on held
/// datagrams was reached (or another datagram already waited to be reordered): sent at once.</param>
/// <param name="RejectedClients">Datagrams dropped because <see cref="UdpFaultProxyOptions.MaxClients"/>
/// clients were already served (requests only).</param>
/// <param name="SendFailures">Sends the operating system refused. An ICMP port unreachable that
/// an earlier datagram drew from a stopped server, reported on the next send, is not counted: that
/// send is made once more (<c>UdpLane</c>).</param>
public sealed record UdpCounters(
    long Received, long Forwarded, long Dropped, long Duplicated, long Delayed, long Reordered,
    long HoldRefused, long RejectedClients, long SendFailures);

/// <summary>The live, thread-safe counters behind <see cref="UdpCounters"/>.</summary>
internal sealed class UdpCounterSet
{
    private long _received;
    private long _forwarded;
    private long _dropped;
    private long _duplicated;
    private long _delayed;
    private long _reordered;
    private long _holdRefused;
    private long _rejectedClients;
    private long _sendFailures;

    public void Received() => Interlocked.Increment(ref _received);
    public void Forwarded() => Interlocked.Increment(ref _forwarded);
    public void Dropped() => Interlocked.Increment(ref _dropped);
    public void Duplicated() => Interlocked.Increment(ref _duplicated);
    public void Delayed() => Interlocked.Increment(ref _delayed);
    public void Reordered() => Interlocked.Increment(ref _reordered);
    public void HoldRefused() => Interlocked.Increment(ref _holdRefused);
    public void RejectedClient() => Interlocked.Increment(ref _rejectedClients);
    public void SendFailed() => Interlocked.Increment(ref _sendFailures);

    public UdpCounters Snapshot() => new(
        Interlocked.Read(ref _received), Interlocked.Read(ref _forwarded), Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _duplicated), Interlocked.Read(ref _delayed), Interlocked.Read(ref _reordered),
        Interlocked.Read(ref _holdRefused), Interlocked.Read(ref _rejectedClients), Interlocked.Read(ref _sendFailures));
}
