using System.Threading.Tasks.Sources;

namespace OncRpc.Client.Internal;

/// <summary>
/// Who reads replies from one connection or UDP socket ("leader reads"): nobody (Idle), the async
/// reader (state AsyncPump: the client event loop through <see cref="LoopReader"/>, or, over TLS
/// and off Linux, the pump task), or a synchronous caller on its own thread. Invariant: while calls are pending, someone
/// holds the role; whoever gives it up re-checks the table afterwards (and takes it back or wakes
/// the pump), so a call registered meanwhile, whose caller saw the role held, is never left without
/// a reader. The pump is one long-lived async loop per connection that parks here while idle, so
/// waking it allocates nothing; it is woken inline on the waking thread, which it leaves as soon
/// as it has posted its receive.
/// <para>The cross-thread hand-offs this relies on, each made by an explicit operation (never by
/// a lock some other method happens to take):</para>
/// <list type="bullet">
/// <item>H1, role transfer: taking the role is a compare-exchange on <see cref="_state"/>, giving
/// it up an exchange; both are full fences, so the reader-owned state (read buffer, decoder,
/// receive buffer) written by one holder is seen by the next.</item>
/// <item>H2, publish versus re-check (a Dekker pair): a caller stores its call in the table, then
/// <see cref="EnsureReader"/> compare-exchanges the state; a holder stores Idle (exchange), then
/// reads the table's count and closed flag (<see cref="PendingCallTable.Count"/>, a volatile read
/// of a field written under the table's lock). With a full fence between the store and the load
/// on both sides, at least one of them sees the other: the caller finds the role free and wakes
/// the pump, or the holder finds the call and takes the role back (or wakes the pump).</item>
/// <item>H3, waking the pump: the waker owns the role (its compare-exchange moved Idle to
/// AsyncPump) before it completes the park; the pump resets the park before giving the role up,
/// so a wake after that point completes the next park and is never lost. With the event loop, the
/// waker arms the socket instead (<see cref="LoopReader"/>'s invariant).</item>
/// <item>H4, a call's outcome (PendingCall): whoever removes the call from the table under its
/// lock completes it; a blocked sync caller sees the outcome through a volatile flag written after
/// the result.</item>
/// <item>H5, socket mode: the connection's volatile flag is set before the first async socket
/// operation; a sync reader that read it stale enters a blocking recv on a socket just made
/// non-blocking, gets WouldBlock and polls on the next round.</item>
/// <item>H6, close: the table's closed flag is written under its lock before the closer calls
/// <see cref="EnsureReader"/>: the same pair as H2, with "closed" in place of "a call".</item>
/// </list>
/// </summary>
internal sealed class ReaderRole : IValueTaskSource
{
    /// <summary>Longest a synchronous reader or waiter blocks before re-checking cancellation,
    /// deadline and connection state.</summary>
    internal const int SliceMilliseconds = 50;

    private const int Idle = 0;
    private const int AsyncPump = 1;
    private const int SyncReader = 2;

    /// <summary>For tests: a synchronous caller holds the role (a signal to wait for, not a delay).</summary>
    internal bool IsHeldBySyncReader => Volatile.Read(ref _state) == SyncReader;

    /// <summary>For tests: the async pump holds the role.</summary>
    internal bool IsHeldByPump => Volatile.Read(ref _state) == AsyncPump;

    private ManualResetValueTaskSourceCore<bool> _wake = new() { RunContinuationsAsynchronously = false };
    private readonly Action? _wakeLoop;
    private PendingCall? _held; // role holder only: an outcome the event loop publishes once done reading
    private int _state;

    /// <param name="wakeLoop">When the async reader is the client's event loop rather than a pump
    /// task: hands the role to it (arms the socket). Called by whoever just took the role for it.</param>
    public ReaderRole(Action? wakeLoop = null) => _wakeLoop = wakeLoop;

    /// <summary>Makes sure someone reads: when the role is free, hands it to the pump and wakes it.
    /// Called after registering and sending a call, and after closing (the pump then exits).</summary>
    public void EnsureReader()
    {
        // Unconditional compare-exchange, not a read first: it is the full fence of H2 on the
        // caller's side (a plain read could be satisfied before the caller's table insert is visible).
        if (Interlocked.CompareExchange(ref _state, AsyncPump, Idle) == Idle)
        {
            if (_wakeLoop is { } wake)
            {
                wake();
            }
            else
            {
                _wake.SetResult(true);
            }
        }
    }

    /// <summary>The event loop, holding the role, read a reply for an async call: its outcome waits
    /// here until the loop is done reading (<see cref="TakeHeld"/>). One is held at a time; an
    /// earlier one goes to the thread pool now.</summary>
    public void Hold(PendingCall call)
    {
        PendingCall? earlier = _held;
        _held = call;
        earlier?.Publish(inline: false);
    }

    /// <summary>The outcome held by <see cref="Hold"/>, if any; taken before the role is given up.</summary>
    public PendingCall? TakeHeld()
    {
        PendingCall? held = _held;
        _held = null;
        return held;
    }

    /// <summary>Takes the role for a synchronous reader on the calling thread (H1; a full fence
    /// whether or not it succeeds).</summary>
    public bool TryTakeSync() => Interlocked.CompareExchange(ref _state, SyncReader, Idle) == Idle;

    /// <summary>Blocks until <paramref name="call"/> (a sync call, registered and sent) completes:
    /// reads on this thread (<see cref="ReadUntil"/>) whenever the role is free, otherwise waits in
    /// slices for whoever reads to deliver the outcome.</summary>
    public void WaitForReply<TReader>(PendingCall call, TReader reader, PendingCallTable pending)
        where TReader : class, ISyncReader
    {
        while (!call.IsSignaled)
        {
            if (TryTakeSync())
            {
                ReadUntil(call, reader, pending);
            }
            // Either another reader will dispatch our reply, or ReadUntil stopped because the call
            // completed, timed out or the connection closed: its outcome is moments away.
            call.WaitSignaled(SliceMilliseconds);
        }
    }

    /// <summary>Holding the role on a caller's thread: reads until <paramref name="call"/> (a sync
    /// call) has its outcome, its deadline passes or the transport closes; then gives the role up.</summary>
    private void ReadUntil<TReader>(PendingCall call, TReader reader, PendingCallTable pending)
        where TReader : class, ISyncReader
    {
        while (!call.IsSignaled && ReadOnce(call, reader, pending, SliceMilliseconds))
        {
        }
        ReleaseSync(pending);
    }

    /// <summary>Holding the role: one receive for <paramref name="call"/> (<see cref="ISyncReader.ReceiveOnce"/>),
    /// waiting at most <paramref name="maxWaitMs"/> and never past the call's deadline. False when
    /// reading for it should stop: the transport is closed or failed, or the deadline passed (the
    /// call is timed out here).</summary>
    public static bool ReadOnce(PendingCall call, ISyncReader reader, PendingCallTable pending, int maxWaitMs)
    {
        if (pending.IsClosed)
        {
            return false;
        }
        long now = pending.NowMs;
        if (now >= call.DeadlineTicks)
        {
            pending.TryTimeOut(call);
            return false;
        }
        return reader.ReceiveOnce((int)Math.Clamp(call.DeadlineTicks - now, 1, maxWaitMs));
    }

    /// <summary>A synchronous reader gives the role up, then re-checks <paramref name="pending"/>:
    /// callers that found the role held wait on it, so with calls pending (or the table closed)
    /// the pump takes over (or wakes to exit). An exchange rather than a volatile write: the
    /// re-check's loads must not move before it (H2).</summary>
    public void ReleaseSync(PendingCallTable pending)
    {
        Interlocked.Exchange(ref _state, Idle);
        if (pending.Count > 0 || pending.ReadsAlways || pending.IsClosed)
        {
            EnsureReader();
        }
    }

    /// <summary>The pump waits here, without the role, until <see cref="EnsureReader"/> hands it over.</summary>
    public ValueTask ParkAsync() => new(this, _wake.Version);

    /// <summary>The pump gives the role up; it then re-checks the table and either retakes the
    /// role or parks. A wake that comes in between completes the park at once.</summary>
    private void ReleasePump()
    {
        // Reset before going idle: a wake after this point is the next park's, never lost (H3).
        _wake.Reset();
        Interlocked.Exchange(ref _state, Idle); // full fence before the re-check (H2)
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

/// <summary>Reads on the caller's thread while it holds the <see cref="ReaderRole"/>.</summary>
internal interface ISyncReader
{
    /// <summary>Holding the role: one wait of at most <paramref name="waitMs"/> for bytes (a socket
    /// still in blocking mode waits its receive timeout instead), and what came decoded and
    /// dispatched. False when the transport failed or was closed meanwhile (a failure closes it
    /// here, which fails the pending calls). <see cref="ReaderRole.ReadOnce"/> calls it.</summary>
    bool ReceiveOnce(int waitMs);
}

/// <summary>What the async pump does next (<see cref="ReaderRole.NextPumpStep"/>).</summary>
internal enum PumpStep
{
    Read,
    Park,
    Exit,
}
