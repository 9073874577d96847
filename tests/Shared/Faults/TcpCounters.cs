namespace OncRpc.Testing.Faults;

/// <summary>What a <see cref="TcpFaultProxy"/> did, at one moment.</summary>
/// <param name="Accepted">Client connections accepted.</param>
/// <param name="Active">Connections open now.</param>
/// <param name="Cut">Connections cut (by a <see cref="TcpCut"/> or <see cref="TcpFaultProxy.CutAll"/>).</param>
/// <param name="Rejected">Connections closed at once: the server refused, or
/// <see cref="TcpFaultProxyOptions.MaxConnections"/> were open.</param>
/// <param name="RequestBytes">Client-to-server bytes forwarded.</param>
/// <param name="ReplyBytes">Server-to-client bytes forwarded.</param>
public sealed record TcpCounters(long Accepted, long Active, long Cut, long Rejected, long RequestBytes, long ReplyBytes);

/// <summary>The live, thread-safe counters behind <see cref="TcpCounters"/>.</summary>
internal sealed class TcpCounterSet
{
    private long _accepted;
    private long _active;
    private long _cut;
    private long _rejected;
    private long _requestBytes;
    private long _replyBytes;

    public void Accepted() => Interlocked.Increment(ref _accepted);
    public void Opened() => Interlocked.Increment(ref _active);
    public void Closed() => Interlocked.Decrement(ref _active);
    public void CutOne() => Interlocked.Increment(ref _cut);
    public void Rejected() => Interlocked.Increment(ref _rejected);

    public void Forwarded(FaultDirection direction, int bytes)
    {
        if (direction == FaultDirection.Requests)
        {
            Interlocked.Add(ref _requestBytes, bytes);
        }
        else
        {
            Interlocked.Add(ref _replyBytes, bytes);
        }
    }

    public TcpCounters Snapshot() => new(
        Interlocked.Read(ref _accepted), Interlocked.Read(ref _active), Interlocked.Read(ref _cut),
        Interlocked.Read(ref _rejected), Interlocked.Read(ref _requestBytes), Interlocked.Read(ref _replyBytes));
}
