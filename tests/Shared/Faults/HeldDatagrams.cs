namespace OncRpc.Testing.Faults;

/// <summary>
/// The proxy-wide bound on datagrams held back (delayed, or waiting to be reordered), and the
/// timers that release them. Closing disposes every pending timer, so nothing fires after the
/// proxy is gone.
/// </summary>
internal sealed class HeldDatagrams(TimeProvider timeProvider, int capacity)
{
    private readonly Lock _lock = new();
    private readonly HashSet<Pending> _pending = [];
    private int _held;
    private bool _closed;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _held;
            }
        }
    }

    /// <summary>Takes one place; false when the bound is reached or the proxy is closing.</summary>
    public bool TryReserve()
    {
        lock (_lock)
        {
            if (_closed || _held >= capacity)
            {
                return false;
            }
            _held++;
            return true;
        }
    }

    public void Release()
    {
        lock (_lock)
        {
            _held--;
        }
    }

    /// <summary>Runs <paramref name="callback"/> once after <paramref name="due"/> on the proxy's
    /// clock, unless the timer is cancelled first. Returns a handle for <see cref="Cancel"/>.</summary>
    public object Schedule(TimeSpan due, Action callback)
    {
        var pending = new Pending(this, callback);
        lock (_lock)
        {
            if (_closed)
            {
                return pending;
            }
            _pending.Add(pending);
        }
        var timer = timeProvider.CreateTimer(static state => ((Pending)state!).Owner.Fire((Pending)state!),
            pending, due, Timeout.InfiniteTimeSpan);
        pending.Timer = timer;
        lock (_lock)
        {
            if (!_pending.Contains(pending))
            {
                // Fired or cancelled (or closed) while the timer was being created.
                timer.Dispose();
            }
        }
        return pending;
    }

    /// <summary>Cancels a scheduled callback; true when it had not run yet.</summary>
    public bool Cancel(object handle)
    {
        var pending = (Pending)handle;
        lock (_lock)
        {
            if (!_pending.Remove(pending))
            {
                return false;
            }
        }
        pending.Timer?.Dispose();
        return true;
    }

    /// <summary>Refuses further holds and disposes every pending timer.</summary>
    public void Close()
    {
        Pending[] pending;
        lock (_lock)
        {
            _closed = true;
            pending = [.. _pending];
            _pending.Clear();
        }
        foreach (var p in pending)
        {
            p.Timer?.Dispose();
        }
    }

    private void Fire(Pending pending)
    {
        lock (_lock)
        {
            if (!_pending.Remove(pending))
            {
                return;
            }
        }
        pending.Timer?.Dispose();
        pending.Callback();
    }

    private sealed class Pending(HeldDatagrams owner, Action callback)
    {
        public HeldDatagrams Owner { get; } = owner;
        public Action Callback { get; } = callback;
        public ITimer? Timer { get; set; }
    }
}
