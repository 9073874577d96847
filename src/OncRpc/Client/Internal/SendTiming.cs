using System.Diagnostics;

namespace OncRpc.Client.Internal;

/// <summary>
/// Tells, from how long a send took, whether the server probably ran and answered during it: on a
/// CPU the client shares with the server, the send that wakes the server is often preempted by
/// it at the system call's exit, and when the client resumes the reply is already in its socket
/// (docs/performance.md, "Seventh round"). Such a send lasts the server's whole turn, several times
/// an uninterrupted one.
/// <para>Invariant: <see cref="_quickest"/> is 0 before the first send, then the duration of the
/// quickest recent send (an uninterrupted one); it drops to any quicker send at once and creeps up
/// by 1/256 of the difference on each slower one, so one freak send cannot hold it down for good.
/// A send is "long" when it lasted more than twice that. One reader's sends only (its socket):
/// written by the thread that just sent, which holds no lock; a race between two senders loses at
/// worst one update of a hint.</para>
/// </summary>
internal struct SendTiming
{
    private long _quickest;

    /// <summary>When a timed send starts (a Stopwatch timestamp; never 0).</summary>
    public static long Start() => Stopwatch.GetTimestamp() | 1;

    /// <summary>After a send that began at <paramref name="started"/> (from <see cref="Start"/>):
    /// true when it lasted long enough that the peer probably answered meanwhile.</summary>
    public bool LastedLong(long started) => LastedLong(started, Stopwatch.GetTimestamp());

    internal bool LastedLong(long started, long now)
    {
        long elapsed = now - started;
        long quickest = _quickest;
        if (quickest == 0 || elapsed < quickest)
        {
            _quickest = Math.Max(elapsed, 1);
            return false;
        }
        _quickest = quickest + Math.Max((elapsed - quickest) >> 8, 1);
        return elapsed > 2 * quickest;
    }

    /// <summary>The quickest recent send, in Stopwatch ticks (for tests, which also set it).</summary>
    internal long Quickest
    {
        readonly get => _quickest;
        set => _quickest = value;
    }
}
