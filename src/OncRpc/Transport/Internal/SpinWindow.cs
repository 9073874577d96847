using System.Diagnostics;

namespace OncRpc.Transport.Internal;

/// <summary>
/// How long an <see cref="EpollLoop"/> keeps polling for events without sleeping after it handled
/// some, adapted the way the kernel's halt-polling adapts, and whether its empty looks yield the
/// CPU (docs/performance.md, "Fourth round" and "Fifth round"). A loop that sleeps in epoll_wait is
/// woken by the peer's send, and that wake-up is paid on the peer's CPU (an inter-processor
/// interrupt, costly in a VM) and on ours (a context switch): with many connections it cost the
/// client more CPU per call against our server than against libtirpc's, whose slower loop rarely
/// sleeps under load.
/// <para>Invariant: the window is 0 (the loop sleeps at once) or between an eighth of the maximum
/// and the maximum; after a sleep it doubles when the sleep ended within the maximum (a longer
/// window would have caught that event) and halves (to 0 below the minimum) when it lasted longer,
/// so a loop whose calls come far apart stops polling after a few of them; events caught by
/// polling leave it as it is. Empty looks yield the CPU (a peer sharing it gets to send its next
/// call) until a look takes longer than the maximum: other threads want this CPU, and each yield
/// would hand them a whole time slice. From then on the loop holds the CPU (polls without
/// yielding, as a busy loop does) for as long as its windows catch events; the first window that
/// passes with nothing ends the hold and no window opens for a pause: the loop sleeps, and a
/// sleeper is the thread the scheduler lets in first when its call comes (and a peer that shares
/// the CPU could not send while the loop held it). The pause is 20 maximums (1 ms for 50 µs) and
/// doubles, up to 2,000 (100 ms), each time a hold begins within a pause's length of the last
/// pause's end: brief interference costs 1 ms of sleeping, a CPU shared for good soon costs the
/// full pause per hold. A window costs at most its length of CPU per sleep. With a maximum of 0
/// nothing is ever read from the clock.</para>
/// </summary>
internal struct SpinWindow(long maxTicks)
{
    private readonly long _max = maxTicks;
    private long _window;
    private long _until;      // end of the open window; 0: none open
    private long _sleptAt;    // when the loop last went to sleep
    private bool _handled;    // events were handled since the last look
    private long _lookedAt;   // the last look inside the open window
    private bool _holding;    // the CPU was found contended: empty looks do not yield
    private long _quietUntil; // no window opens before this (a held window passed empty)
    private long _pause = MinPause; // the next pause, in maximum windows
    private bool _recurred;   // the current hold began soon after the last pause ended

    /// <summary>The longest pause after a held window passed empty, in maximum windows (100 ms for
    /// a 50 µs maximum).</summary>
    private const long MaxPause = 2000;

    /// <summary>The first pause after a hold, in maximum windows (1 ms for 50 µs); each hold that
    /// begins within a pause's length of the last pause's end doubles it, up to
    /// <see cref="MaxPause"/>.</summary>
    private const long MinPause = 20;

    /// <summary>Current window, in Stopwatch ticks (for tests).</summary>
    public readonly long Window => _window;

    /// <summary>After an empty poll: true to yield the CPU before looking again, false to keep it
    /// (other threads want it, and a yield would hand them a whole time slice).</summary>
    public readonly bool Yields => !_holding;

    /// <summary>Before each wait: true to poll (a window is open), false to sleep.</summary>
    public bool Continues() => _max != 0 && Continues(Stopwatch.GetTimestamp());

    internal bool Continues(long now)
    {
        if (_handled)
        {
            _handled = false;
            _until = _window == 0 || now < _quietUntil ? 0 : now + _window;
            _lookedAt = now;
        }
        if (_until != 0)
        {
            if (now - _lookedAt > _max)
            {
                // One look took longer than a whole window: other threads want this CPU, and a
                // loop that yields to them waits out their time slices. Hold it for a fresh window.
                if (!_holding)
                {
                    _recurred = _quietUntil != 0 && now - _quietUntil < _pause * _max;
                }
                _holding = true;
                _until = now + _window;
            }
            if (now < _until)
            {
                _lookedAt = now;
                return true;
            }
            // A whole window with nothing: sleep (the wake-up tells whether it paid).
            _until = 0;
            if (_holding)
            {
                // Held for nothing: a while of sleeping at once, which a contended CPU favours.
                _holding = false;
                _pause = _recurred ? Math.Min(_pause * 2, MaxPause) : MinPause;
                _quietUntil = now + (_pause * _max);
            }
        }
        _sleptAt = now;
        return false;
    }

    /// <summary>A wait returned events; <paramref name="polled"/>: it was a poll in a window.</summary>
    public void Woke(bool polled)
    {
        if (_max != 0)
        {
            Woke(polled, polled ? 0 : Stopwatch.GetTimestamp());
        }
    }

    internal void Woke(bool polled, long now)
    {
        if (!polled)
        {
            _window = now - _sleptAt <= _max
                // Slept for less than the maximum: a longer window would have caught this
                // without the wake-up.
                ? (_window == 0 ? Math.Max(1, _max / 8) : Math.Min(_window * 2, _max))
                // Slept long: calls come far apart, and polling for them only burns the CPU.
                : Shrunk(_window);
        }
        _handled = true;
    }

    private readonly long Shrunk(long window) => window / 2 < _max / 8 ? 0 : window / 2;
}
