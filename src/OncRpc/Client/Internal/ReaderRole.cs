using System.Threading.Tasks.Sources;

namespace OncRpc.Client.Internal;

/// <summary>
/// Who reads replies from one connection or UDP socket ("leader reads"): nobody (Idle), the async
/// pump, or a synchronous caller on its own thread. Invariant: while calls are pending, someone
/// holds the role; whoever gives it up re-checks the table afterwards (and takes it back or wakes
/// the pump), so a call registered meanwhile, whose caller saw the role held, is never left without
/// a reader. The pump is one long-lived async loop per connection that parks here while idle, so
/// waking it allocates nothing; it is woken inline on the waking thread, which it leaves as soon
/// as it has posted its receive.
/// </summary>
internal sealed class ReaderRole : IValueTaskSource
{
    private const int Idle = 0;
    private const int AsyncPump = 1;
    private const int SyncReader = 2;

    private ManualResetValueTaskSourceCore<bool> _wake = new() { RunContinuationsAsynchronously = false };
    private int _state;

    /// <summary>Makes sure someone reads: when the role is free, hands it to the pump and wakes it.
    /// Called after registering and sending a call, and after closing (the pump then exits).</summary>
    public void EnsureReader()
    {
        if (Volatile.Read(ref _state) == Idle && Interlocked.CompareExchange(ref _state, AsyncPump, Idle) == Idle)
        {
            _wake.SetResult(true);
        }
    }

    /// <summary>Takes the role for a synchronous reader on the calling thread.</summary>
    public bool TryTakeSync() =>
        Volatile.Read(ref _state) == Idle && Interlocked.CompareExchange(ref _state, SyncReader, Idle) == Idle;

    /// <summary>A synchronous reader gives the role up; the caller then re-checks the table and
    /// calls <see cref="EnsureReader"/> when calls are pending or the connection closed.</summary>
    public void ReleaseSync() => Volatile.Write(ref _state, Idle);

    /// <summary>The pump waits here, without the role, until <see cref="EnsureReader"/> hands it over.</summary>
    public ValueTask ParkAsync() => new(this, _wake.Version);

    /// <summary>The pump gives the role up; it then re-checks the table and either retakes the
    /// role or parks. A wake that comes in between completes the park at once.</summary>
    private void ReleasePump()
    {
        // Reset before going idle: a wake after this point is the next park's, never lost.
        _wake.Reset();
        Volatile.Write(ref _state, Idle);
    }

    /// <summary>The pump takes the role back after <see cref="ReleasePump"/> (a call slipped in).</summary>
    private bool TryRetake() => Interlocked.CompareExchange(ref _state, AsyncPump, Idle) == Idle;

    /// <summary>The pump, holding the role, asks what to do next: read while calls are pending
    /// (always, once the connection serves callbacks: <see cref="PendingCallTable.ReadsAlways"/>);
    /// exit (keeping the role for good) once the table is closed; otherwise give the role up and
    /// park, unless a call registered meanwhile, whose caller saw the role held, makes it retake
    /// the role and read on.</summary>
    public PumpStep NextPumpStep(PendingCallTable pending)
    {
        while (true)
        {
            if (pending.IsClosed)
            {
                return PumpStep.Exit;
            }
            if (pending.Count > 0 || pending.ReadsAlways)
            {
                return PumpStep.Read;
            }
            ReleasePump();
            if ((pending.Count == 0 && !pending.ReadsAlways && !pending.IsClosed) || !TryRetake())
            {
                return PumpStep.Park;
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => _wake.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _wake.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wake.OnCompleted(continuation, state, token, flags);
}

/// <summary>What the async pump does next (<see cref="ReaderRole.NextPumpStep"/>).</summary>
internal enum PumpStep
{
    Read,
    Park,
    Exit,
}

