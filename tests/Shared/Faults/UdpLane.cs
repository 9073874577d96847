using System.Net.Sockets;

namespace OncRpc.Testing.Faults;

/// <summary>Sends one datagram on (synchronously: a loopback UDP send does not wait).</summary>
internal delegate void DatagramSender(ReadOnlySpan<byte> datagram);

/// <summary>
/// One direction of one client's traffic through a <see cref="UdpFaultProxy"/>: its own
/// <see cref="Random"/> (so each client's faults depend only on the seed and its own datagrams),
/// the decision per datagram, and the one datagram it may hold back for reordering.
/// <see cref="Process"/> is called by one receive loop at a time; the lock orders it against the
/// timers that release held datagrams.
/// </summary>
internal sealed class UdpLane
{
    private readonly int _client;
    private readonly UdpFaults _faults;
    private readonly Random _random;
    private readonly UdpCounterSet _counters;
    private readonly DecisionLog _log;
    private readonly HeldDatagrams _held;
    private readonly TimeSpan _reorderHoldLimit;
    private readonly DatagramSender _send;
    private readonly ChangeSignal _changed;
    private readonly Lock _lock = new();
    private long _sequence;
    private Held? _reorderSlot;

    public UdpLane(
        int client, int seed, UdpFaults faults, UdpCounterSet counters, DecisionLog log, HeldDatagrams held,
        TimeSpan reorderHoldLimit, DatagramSender send, ChangeSignal changed)
    {
        _client = client;
        _faults = faults;
        _random = new Random(seed);
        _counters = counters;
        _log = log;
        _held = held;
        _reorderHoldLimit = reorderHoldLimit;
        _send = send;
        _changed = changed;
    }

    public void Process(ReadOnlySpan<byte> datagram)
    {
        lock (_lock)
        {
            var decision = Decide();
            _log.Add(decision);
            Execute(decision, datagram);
            // Counted last, so a test that saw Received move sees everything done to the datagram.
            _counters.Received();
        }
        _changed.Pulse();
    }

    private FaultDecision Decide()
    {
        // Always five draws per datagram, whatever the outcome, so that one probability changing
        // does not shift every later decision of the same seed.
        double drop = _random.NextDouble(), duplicate = _random.NextDouble(), delay = _random.NextDouble();
        double amount = _random.NextDouble(), reorder = _random.NextDouble();
        var actions = FaultActions.None;
        var delayBy = TimeSpan.Zero;
        if (drop < _faults.Drop)
        {
            actions = FaultActions.Dropped;
        }
        else
        {
            if (duplicate < _faults.Duplicate)
            {
                actions |= FaultActions.Duplicated;
            }
            if (delay < _faults.Delay)
            {
                actions |= FaultActions.Delayed;
                delayBy = _faults.MaxDelay * amount;
            }
            else if (reorder < _faults.Reorder)
            {
                actions |= FaultActions.Reordered;
            }
        }
        return new FaultDecision(_client, _sequence++, actions, delayBy);
    }

    private void Execute(FaultDecision decision, ReadOnlySpan<byte> datagram)
    {
        // A datagram held for reordering goes out after this one, whatever becomes of this one.
        var waiting = _reorderSlot;
        var actions = decision.Actions;
        if ((actions & FaultActions.Dropped) != 0)
        {
            _counters.Dropped();
        }
        else
        {
            int copies = (actions & FaultActions.Duplicated) != 0 ? 2 : 1;
            if (copies == 2)
            {
                _counters.Duplicated();
            }
            if ((actions & FaultActions.Delayed) != 0 && _held.TryReserve())
            {
                _counters.Delayed();
                var held = new Held(datagram.ToArray(), copies);
                _held.Schedule(decision.Delay, () => SendHeld(held));
            }
            else if ((actions & FaultActions.Reordered) != 0 && waiting is null && _held.TryReserve())
            {
                _counters.Reordered();
                var held = new Held(datagram.ToArray(), copies);
                _reorderSlot = held;
                if (_reorderHoldLimit != Timeout.InfiniteTimeSpan)
                {
                    held.Timer = _held.Schedule(_reorderHoldLimit, () => FlushReorderSlot(held));
                }
            }
            else
            {
                if ((actions & (FaultActions.Delayed | FaultActions.Reordered)) != 0)
                {
                    _counters.HoldRefused();
                }
                Send(datagram, copies);
            }
        }
        if (waiting is not null && ReferenceEquals(_reorderSlot, waiting))
        {
            _reorderSlot = null;
            if (waiting.Timer is not null)
            {
                _held.Cancel(waiting.Timer);
            }
            SendHeld(waiting);
        }
    }

    private void FlushReorderSlot(Held held)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_reorderSlot, held))
            {
                return; // already released after the next datagram
            }
            _reorderSlot = null;
            SendHeld(held);
        }
        _changed.Pulse();
    }

    private void SendHeld(Held held)
    {
        _held.Release();
        Send(held.Datagram, held.Copies);
        _changed.Pulse();
    }

    private void Send(ReadOnlySpan<byte> datagram, int copies)
    {
        for (var i = 0; i < copies; i++)
        {
            try
            {
                if (TrySend(datagram))
                {
                    _counters.Forwarded();
                }
                else
                {
                    _counters.SendFailed();
                }
            }
            catch (ObjectDisposedException)
            {
                return; // the proxy is closing
            }
        }
    }

    /// <summary>One datagram out. Linux reports an ICMP port unreachable drawn by an earlier
    /// datagram on the next operation on the (connected) socket; when that is this send, the send
    /// consumed the error and sent nothing, so it goes once more: a datagram is lost only to its
    /// own refusal, as on a real network.</summary>
    private bool TrySend(ReadOnlySpan<byte> datagram)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _send(datagram);
                return true;
            }
            catch (SocketException e) when (attempt == 0 && e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                // An earlier datagram's refusal: this one was not sent yet.
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    private sealed class Held(byte[] datagram, int copies)
    {
        public byte[] Datagram { get; } = datagram;
        public int Copies { get; } = copies;
        public object? Timer { get; set; }
    }
}
