using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace OncRpc.Diagnostics.Internal;

/// <summary>
/// The phase boundaries of one call, as <see cref="Stopwatch"/> timestamps, kept inside the pooled
/// call object (server <c>RpcCall</c>, client <c>PendingCall</c>). Invariant: a call is timed
/// (<see cref="On"/>) only when its first boundary was stamped by <see cref="Begin"/> with a
/// non-zero timestamp, which the caller takes only while someone listens to the phase histogram;
/// otherwise every <see cref="Mark"/> is one predictable branch, no clock read, no allocation.
/// A boundary ends the phase the owner's table maps it to; a boundary not reached stays 0.
/// </summary>
internal struct PhaseStamps
{
    public const int Capacity = 12;

    private Marks _marks;
    private bool _on;

    /// <summary>True when this call is timed.</summary>
    public readonly bool On => _on;

    /// <summary>Starts timing when <paramref name="first"/> is a timestamp (non-zero): clears the
    /// boundaries a previous use of the pooled object left and stamps <paramref name="mark"/>.</summary>
    public void Begin(long first, int mark)
    {
        if (first == 0)
        {
            _on = false;
            return;
        }
        _marks = default;
        _marks[mark] = first;
        _on = true;
    }

    /// <summary>Stamps <paramref name="mark"/> with the clock, when the call is timed.</summary>
    public void Mark(int mark)
    {
        if (_on)
        {
            _marks[mark] = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Stamps <paramref name="mark"/> with a timestamp read elsewhere (0: not reached).</summary>
    public void Set(int mark, long timestamp)
    {
        if (_on)
        {
            _marks[mark] = timestamp;
        }
    }

    public readonly long this[int mark] => _marks[mark];

    /// <summary>
    /// Splits the call's time, from its first boundary to its last, at every boundary reached:
    /// each piece goes to the phase of the boundary that ends it (<paramref name="phaseOfMark"/>,
    /// -1 for none), so the pieces add up to the whole and nothing is counted twice. A boundary
    /// earlier than the one before it (stamped late by another thread) is skipped, and its time
    /// goes to the next one. <paramref name="ticks"/>[phase] is -1 for a phase not reached.
    /// Returns false when the call was not timed.
    /// </summary>
    public readonly bool Split(ReadOnlySpan<sbyte> phaseOfMark, Span<long> ticks)
    {
        if (!_on)
        {
            return false;
        }
        ticks.Fill(-1);
        long previous = 0;
        for (int mark = 0; mark < phaseOfMark.Length; mark++)
        {
            long stamp = _marks[mark];
            if (stamp == 0 || stamp < previous)
            {
                continue;
            }
            int phase = phaseOfMark[mark];
            if (previous != 0 && phase >= 0)
            {
                ticks[phase] = Math.Max(ticks[phase], 0) + (stamp - previous);
            }
            previous = stamp;
        }
        return true;
    }

    /// <summary>The clock read when phase timing is wanted, 0 otherwise.</summary>
    public static long Timestamp(bool enabled) => enabled ? Stopwatch.GetTimestamp() : 0;

    [InlineArray(Capacity)]
    private struct Marks
    {
        private long _element;
    }
}
