using System.Buffers;
using OncRpc.Protocol;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// The calls in flight on one connection (or UDP socket), keyed by xid. A timer scans it while it
/// is not empty (one shot, at the earliest deadline or retransmission due), timing calls out and,
/// for UDP, retransmitting them with exponential backoff.
/// One timer per table rather than one per call keeps the per-call cost to a dictionary insert.
/// </summary>
internal sealed class PendingCallTable : IDisposable
{
    private readonly Dictionary<uint, PendingCall> _calls = [];
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private readonly ClientClock _clock;
    private readonly Action<PendingCall>? _retransmit;
    private readonly long _maxRetransmitMs;
    private readonly TimeSpan _timeout;
    private RpcException? _closedWith;
    private long _timerDue = long.MaxValue; // guarded by _gate: when the timer fires next; MaxValue = disarmed

    public PendingCallTable(ClientClock clock, TimeSpan timeout, TimeSpan maxRetransmitInterval, Action<PendingCall>? retransmit)
    {
        _clock = clock;
        _timeout = timeout;
        _retransmit = retransmit;
        _maxRetransmitMs = (long)maxRetransmitInterval.TotalMilliseconds;
        _timer = clock.Time.CreateTimer(static s => ((PendingCallTable)s!).Tick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _calls.Count;
            }
        }
    }

    public bool IsClosed => Volatile.Read(ref _closedWith) is not null;

    /// <summary>The clock of deadlines and retransmissions (milliseconds).</summary>
    public long NowMs => _clock.NowMs;

    /// <summary>Adds <paramref name="call"/> and sets its deadline: the timeout from now, or the
    /// call's own when it has an earlier one (a resend keeps the first send's). Returns false when
    /// the table is closed or the xid is taken.</summary>
    public bool TryAdd(PendingCall call, out RpcException? closedWith)
    {
        call.Table = this;
        long now = _clock.NowMs;
        call.DeadlineTicks = Math.Min(call.DeadlineTicks,
            _timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : now + (long)_timeout.TotalMilliseconds);
        if (call.Datagram is not null)
        {
            call.NextRetransmitTicks = now + call.RetransmitIntervalMs;
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
            ArmFor(DueTicks(call), now);
        }
        return true;
    }

    /// <summary>When the call next needs the timer: its deadline, or its next retransmission.</summary>
    private static long DueTicks(PendingCall call) =>
        call.Datagram is not null ? Math.Min(call.DeadlineTicks, call.NextRetransmitTicks) : call.DeadlineTicks;

    /// <summary>Under the lock: makes the timer fire by <paramref name="due"/>. One shot at the
    /// earliest due time, not a periodic tick: a sequential caller whose calls complete in
    /// microseconds re-arms nothing (each new call is due after the one armed), and the timer's
    /// thread-pool callback runs about once per timeout or retransmit interval, not ten times.</summary>
    private void ArmFor(long due, long now)
    {
        if (due >= _timerDue)
        {
            return;
        }
        _timerDue = due;
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
                return true;
            }
        }
        return false;
    }

    public bool TryRemove(uint xid, out PendingCall? call)
    {
        lock (_gate)
        {
            return _calls.Remove(xid, out call);
        }
    }

    /// <summary>Hands a reply record to the call it answers. Records that are not replies, do not
    /// parse, or answer no pending call (unknown, late, duplicate) are dropped: returns false.</summary>
    public bool Dispatch(in ReadOnlySequence<byte> record)
    {
        var reader = new XdrReader(record);
        RpcMessageHeader message;
        try
        {
            message = RpcMessageHeader.ReadFrom(ref reader);
        }
        catch (XdrException)
        {
            return false;
        }
        if (message.Type != RpcMessageType.Reply || !TryRemove(message.Xid, out PendingCall? call))
        {
            return false;
        }
        call!.Phases.Mark(ClientPhases.ReplyReceived);
        call.OnReply(record, ref reader);
        return true;
    }

    /// <summary>Closes the table: every pending call and every later <see cref="TryAdd"/> fails
    /// with <paramref name="error"/>.</summary>
    public void Close(RpcException error)
    {
        PendingCall[] calls;
        lock (_gate)
        {
            if (_closedWith is not null)
            {
                return;
            }
            _closedWith = error;
            calls = [.. _calls.Values];
            _calls.Clear();
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
    }

    /// <summary>Fails every pending call without closing the table (UDP: the port is unreachable).</summary>
    public void FailAll(RpcStatus status, string message, Exception? inner)
    {
        PendingCall[] calls;
        lock (_gate)
        {
            calls = [.. _calls.Values];
            _calls.Clear();
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
                    // wait doubling up to the cap.
                    _retransmit!(call);
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
            }
            // Re-arm for the earliest call left, or stay disarmed until the next TryAdd.
            _timerDue = long.MaxValue;
            if (next != long.MaxValue && _closedWith is null)
            {
                ArmFor(next, now);
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

    private RpcException TimedOut(PendingCall call) => new(RpcStatus.TimedOut,
        $"no reply to procedure {call.Procedure?.DisplayName ?? "(raw)"} (xid {call.Xid}) within {_timeout}");

    public void Dispose() => _timer.Dispose();
}
