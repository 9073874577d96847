using System.Buffers;
using OncRpc.Protocol;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// The calls in flight on one connection (or UDP socket), keyed by xid. A timer scans it while it
/// is not empty (one shot, at the earliest deadline or retransmission due), timing calls out and,
/// for UDP, retransmitting them with exponential backoff.
/// One timer per table rather than one per call keeps the per-call cost to a dictionary insert.
/// <para>Invariant: the dictionary, the timer's due time and the closed error change only under
/// <see cref="_gate"/>; <see cref="Count"/> and <see cref="IsClosed"/> are published from under it
/// with volatile writes and read without it (the reader role's re-checks, ReaderRole H2/H6, and the
/// send path's heuristics), so reading them costs no lock. A call leaves the dictionary once, and
/// whoever removes it completes it (ReaderRole H4). Nothing is sent under the lock: the timer
/// collects due retransmissions under it and sends them after.</para>
/// </summary>
internal sealed class PendingCallTable : IDisposable
{
    private readonly Dictionary<uint, PendingCall> _calls = [];
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private readonly ClientClock _clock;
    private readonly Action<uint, byte[]>? _retransmit;
    private readonly long _maxRetransmitMs;
    private RpcException? _closedWith;      // written under _gate (volatile), never cleared
    private int _count;                     // _calls.Count, written under _gate (volatile)
    private long _timerDue = long.MaxValue; // guarded by _gate: when the timer fires next; MaxValue = disarmed

    /// <param name="clock">Deadlines and retransmissions.</param>
    /// <param name="maxRetransmitInterval">UDP: the cap on the backoff.</param>
    /// <param name="retransmit">UDP: sends a call's datagram again (xid, bytes); called by the
    /// timer outside the table's lock.</param>
    public PendingCallTable(ClientClock clock, TimeSpan maxRetransmitInterval, Action<uint, byte[]>? retransmit)
    {
        _clock = clock;
        _retransmit = retransmit;
        _maxRetransmitMs = (long)maxRetransmitInterval.TotalMilliseconds;
        _timer = clock.Time.CreateTimer(static s => ((PendingCallTable)s!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Calls pending, as last published under the lock (a volatile read, no lock).</summary>
    public int Count => Volatile.Read(ref _count);

    public bool IsClosed => Volatile.Read(ref _closedWith) is not null;

    /// <summary>Set once the peer may send calls on this connection (the client serves callbacks):
    /// the reader then reads while the table is open, pending calls or not.</summary>
    public bool ReadsAlways
    {
        get => Volatile.Read(ref _readsAlways);
        set => Volatile.Write(ref _readsAlways, value);
    }

    private bool _readsAlways;

    /// <summary>The clock of deadlines and retransmissions (milliseconds).</summary>
    public long NowMs => _clock.NowMs;

    /// <summary>Adds <paramref name="call"/>, whose deadline (<see cref="PendingCall.DeadlineTicks"/>)
    /// the client has set. Returns false when the table is closed or the xid is taken.</summary>
    public bool TryAdd(PendingCall call, out RpcException? closedWith)
    {
        call.Table = this;
        if (call.Datagram is not null)
        {
            call.NextRetransmitTicks = _clock.NowMs + call.RetransmitIntervalMs;
        }
        lock (_gate)
        {
            if (_closedWith is not null)
            {
                closedWith = Copy(_closedWith);
                return false;
            }
            closedWith = null;
            if (!_calls.TryAdd(call.Xid, call))
            {
                return false;
            }
            Volatile.Write(ref _count, _calls.Count);
            ArmFor(DueTicks(call));
        }
        return true;
    }

    /// <summary>When the call next needs the timer: its deadline, or its next retransmission.</summary>
    private static long DueTicks(PendingCall call) =>
        call.Datagram is not null ? Math.Min(call.DeadlineTicks, call.NextRetransmitTicks) : call.DeadlineTicks;

    /// <summary>Under the lock: makes the timer fire by <paramref name="due"/>. One shot at the
    /// earliest due time, not a periodic tick: a sequential caller whose calls complete in
    /// microseconds re-arms nothing (each new call is due after the one armed), and the timer's
    /// thread-pool callback runs about once per timeout or retransmit interval, not ten times.
    /// The clock is read only to re-arm, so a call that arms nothing reads none.</summary>
    private void ArmFor(long due)
    {
        if (due >= _timerDue)
        {
            return;
        }
        _timerDue = due;
        long now = _clock.NowMs;
        try
        {
            _timer.Change(TimeSpan.FromMilliseconds(Math.Clamp(due - now, 1, uint.MaxValue - 1)), Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The table was closed and disposed after this call got in; Close failed the call.
        }
    }

    public bool TryRemove(PendingCall call)
    {
        lock (_gate)
        {
            if (_calls.TryGetValue(call.Xid, out PendingCall? found) && ReferenceEquals(found, call))
            {
                _calls.Remove(call.Xid);
                Volatile.Write(ref _count, _calls.Count);
                return true;
            }
        }
        return false;
    }

    public bool TryRemove(uint xid, out PendingCall? call)
    {
        lock (_gate)
        {
            bool removed = _calls.Remove(xid, out call);
            Volatile.Write(ref _count, _calls.Count);
            return removed;
        }
    }

    /// <summary>Classifies a received message by its msg_type (RFC 5531 §9: the word after the
    /// xid) and hands a REPLY to the call it answers. A CALL is left to the caller
    /// (<see cref="DispatchOutcome.Call"/>); a message that does not parse, or a reply that
    /// answers no pending call (unknown, late, duplicate), is <see cref="DispatchOutcome.Dropped"/>.
    /// With <paramref name="deferTo"/> (the event loop's reader), an async call's outcome is held
    /// by that role for publishing later (PendingCall{T}) rather than published here.</summary>
    public DispatchOutcome Dispatch(in ReadOnlySequence<byte> record, ReaderRole? deferTo = null)
    {
        var reader = new XdrReader(record);
        RpcMessageHeader message;
        try
        {
            message = RpcMessageHeader.ReadFrom(ref reader);
        }
        catch (XdrException)
        {
            return DispatchOutcome.Dropped;
        }
        if (message.Type == RpcMessageType.Call)
        {
            return DispatchOutcome.Call;
        }
        if (!TryRemove(message.Xid, out PendingCall? call))
        {
            return DispatchOutcome.Dropped;
        }
        call!.Phases.Mark(ClientPhases.ReplyReceived);
        call.DeferTo = deferTo;
        call.OnReply(record, ref reader);
        return DispatchOutcome.Completed;
    }

    /// <summary>Closes the table: every pending call and every later <see cref="TryAdd"/> fails
    /// with <paramref name="error"/>. Returns false when it was closed before (nothing done).</summary>
    public bool Close(RpcException error)
    {
        PendingCall[] calls;
        lock (_gate)
        {
            if (_closedWith is not null)
            {
                return false;
            }
            Volatile.Write(ref _closedWith, error);
            calls = [.. _calls.Values];
            _calls.Clear();
            Volatile.Write(ref _count, 0);
            _timerDue = long.MaxValue;
        }
        try
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
        foreach (PendingCall call in calls)
        {
            call.Fail(Copy(error));
        }
        return true;
    }

    /// <summary>Fails every pending call without closing the table (UDP: the port is unreachable).</summary>
    public void FailAll(RpcStatus status, string message, Exception? inner)
    {
        PendingCall[] calls;
        lock (_gate)
        {
            calls = [.. _calls.Values];
            _calls.Clear();
            Volatile.Write(ref _count, 0);
        }
        foreach (PendingCall call in calls)
        {
            call.Fail(new RpcException(status, message, inner));
        }
    }

    // Each failed call gets its own exception: one instance thrown from many awaits would
    // collect all their stack traces.
    private static RpcException Copy(RpcException error) =>
        new(error.Status, error.Message, error.InnerException);

    private void Tick()
    {
        long now = _clock.NowMs;
        List<PendingCall>? expired = null;
        List<(uint Xid, byte[] Datagram)>? resend = null;
        lock (_gate)
        {
            long next = long.MaxValue;
            foreach (PendingCall call in _calls.Values)
            {
                if (call.DeadlineTicks <= now)
                {
                    (expired ??= []).Add(call);
                    continue;
                }
                if (call.Datagram is not null && call.NextRetransmitTicks <= now)
                {
                    // RFC 5531 §7 / libtirpc clnt_dg: the same bytes, so the same xid, with the
                    // wait doubling up to the cap. Collected here, sent after the lock: a send is a
                    // system call, and replies (which remove calls) must not wait behind it. The
                    // bytes are copied, not the call kept: once out of the lock the call may
                    // complete and be recycled, its pooled datagram with it.
                    (resend ??= []).Add((call.Xid, call.Datagram.WrittenSpan.ToArray()));
                    call.RetransmitIntervalMs = Math.Min(call.RetransmitIntervalMs * 2, _maxRetransmitMs);
                    call.NextRetransmitTicks = now + call.RetransmitIntervalMs;
                }
                next = Math.Min(next, DueTicks(call));
            }
            if (expired is not null)
            {
                foreach (PendingCall call in expired)
                {
                    _calls.Remove(call.Xid);
                }
                Volatile.Write(ref _count, _calls.Count);
            }
            // Re-arm for the earliest call left, or stay disarmed until the next TryAdd.
            _timerDue = long.MaxValue;
            if (next != long.MaxValue && _closedWith is null)
            {
                ArmFor(next);
            }
        }
        if (resend is not null)
        {
            foreach ((uint xid, byte[] datagram) in resend)
            {
                _retransmit!(xid, datagram);
            }
        }
        if (expired is not null)
        {
            foreach (PendingCall call in expired)
            {
                call.Fail(TimedOut(call));
            }
        }
    }

    /// <summary>Times <paramref name="call"/> out now if it is still pending (a sync reader that
    /// saw the deadline pass need not wait for the next tick).</summary>
    public void TryTimeOut(PendingCall call)
    {
        if (TryRemove(call))
        {
            call.Fail(TimedOut(call));
        }
    }

    private static RpcException TimedOut(PendingCall call) => new(RpcStatus.TimedOut,
        $"no reply to procedure {call.Procedure?.DisplayName ?? "(raw)"} (xid {call.Xid}) within {call.Timeout}");

    public void Dispose() => _timer.Dispose();
}

/// <summary>What <see cref="PendingCallTable.Dispatch"/> did with a received message.</summary>
internal enum DispatchOutcome
{
    /// <summary>A reply, handed to the pending call it answers.</summary>
    Completed,

    /// <summary>A call message (msg_type CALL): not the table's business.</summary>
    Call,

    /// <summary>Malformed, or a reply no call waits for.</summary>
    Dropped,
}
