using System.Buffers;
using OncRpc.Protocol;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// The calls in flight on one connection (or UDP socket), keyed by xid. A timer scans it while it
/// is not empty, timing calls out and, for UDP, retransmitting them with exponential backoff.
/// One timer per table rather than one per call keeps the per-call cost to a dictionary insert.
/// </summary>
internal sealed class PendingCallTable : IDisposable
{
    private readonly Dictionary<uint, PendingCall> _calls = [];
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private readonly TimeSpan _period;
    private readonly Action<PendingCall>? _retransmit;
    private readonly long _maxRetransmitMs;
    private readonly TimeSpan _timeout;
    private RpcException? _closedWith;
    private int _timerArmed;

    public PendingCallTable(TimeSpan timeout, TimeSpan retransmitInterval, TimeSpan maxRetransmitInterval, Action<PendingCall>? retransmit)
    {
        _timeout = timeout;
        _retransmit = retransmit;
        _maxRetransmitMs = (long)maxRetransmitInterval.TotalMilliseconds;
        // Tick at a tenth of the shortest interval that matters, between 5 ms and 200 ms: a call
        // times out at most one tick late.
        double shortest = timeout == Timeout.InfiniteTimeSpan ? 2000 : timeout.TotalMilliseconds;
        if (retransmit is not null)
        {
            shortest = Math.Min(shortest, retransmitInterval.TotalMilliseconds);
        }
        _period = TimeSpan.FromMilliseconds(Math.Clamp(shortest / 10, 5, 200));
        _timer = new Timer(static s => ((PendingCallTable)s!).Tick(), this, Timeout.Infinite, Timeout.Infinite);
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

    /// <summary>Adds <paramref name="call"/> and sets its deadline. Returns false when the table is
    /// closed or the xid is taken.</summary>
    public bool TryAdd(PendingCall call, out RpcException? closedWith)
    {
        call.Table = this;
        long now = Environment.TickCount64;
        call.DeadlineTicks = _timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : now + (long)_timeout.TotalMilliseconds;
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
        }
        if (call.DeadlineTicks != long.MaxValue || call.Datagram is not null)
        {
            ArmTimer();
        }
        return true;
    }

    private void ArmTimer()
    {
        if (Volatile.Read(ref _timerArmed) == 0 && Interlocked.Exchange(ref _timerArmed, 1) == 0)
        {
            try
            {
                _timer.Change(_period, _period);
            }
            catch (ObjectDisposedException)
            {
                // The table was closed and disposed after this call got in; Close failed the call.
            }
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
        call!.OnReply(record, ref reader);
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
        }
        try
        {
            _timer.Change(Timeout.Infinite, Timeout.Infinite);
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
        long now = Environment.TickCount64;
        List<PendingCall>? expired = null;
        lock (_gate)
        {
            foreach (PendingCall call in _calls.Values)
            {
                if (call.DeadlineTicks <= now)
                {
                    (expired ??= []).Add(call);
                }
                else if (call.Datagram is not null && call.NextRetransmitTicks <= now)
                {
                    // RFC 5531 §7 / libtirpc clnt_dg: the same bytes, so the same xid, with the
                    // wait doubling up to the cap.
                    _retransmit!(call);
                    call.RetransmitIntervalMs = Math.Min(call.RetransmitIntervalMs * 2, _maxRetransmitMs);
                    call.NextRetransmitTicks = now + call.RetransmitIntervalMs;
                }
            }
            if (expired is not null)
            {
                foreach (PendingCall call in expired)
                {
                    _calls.Remove(call.Xid);
                }
            }
            if (_calls.Count == 0)
            {
                // Disarm under the lock: a concurrent TryAdd re-arms after its insert.
                Volatile.Write(ref _timerArmed, 0);
                try
                {
                    _timer.Change(Timeout.Infinite, Timeout.Infinite);
                }
                catch (ObjectDisposedException)
                {
                    // A last tick racing the owner's disposal.
                }
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
