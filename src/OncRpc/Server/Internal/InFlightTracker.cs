namespace OncRpc.Server.Internal;

/// <summary>Counts calls in flight on one connection or end point and signals when the count
/// reaches zero once draining has begun (after the reads stopped, so it only goes down).</summary>
internal sealed class InFlightTracker
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;
    private int _draining;

    public int Count => Volatile.Read(ref _count);

    /// <summary>For tests: a drain was asked (reading ended, no call can start), so whoever stops
    /// waits here for the calls still in flight.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    /// <summary><see cref="RpcServerRuntime.NowMs"/> when a call last ended (0: none yet). Written before the
    /// count goes down, so an idle check that sees no call in flight also sees this.</summary>
    public long LastEndedTicks => Volatile.Read(ref _lastEnded);

    private long _lastEnded;

    public void Increment() => Interlocked.Increment(ref _count);

    public void Decrement(long nowMs = 0)
    {
        Volatile.Write(ref _lastEnded, nowMs);
        if (Interlocked.Decrement(ref _count) == 0 && Volatile.Read(ref _draining) != 0)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Completes when no call is in flight; call once no more calls can start.</summary>
    public Task WaitForDrainAsync()
    {
        Interlocked.Exchange(ref _draining, 1);
        if (Volatile.Read(ref _count) == 0)
        {
            _drained.TrySetResult();
        }
        return _drained.Task;
    }
}
