using OncRpc.Transport.Internal;

namespace OncRpc.Tests.Transport;

/// <summary>The event loop's adaptive polling window (<see cref="SpinWindow"/>), in virtual
/// ticks: it opens only after a sleep that a window would have spared, grows while events keep
/// coming that soon, and closes again once windows pass with nothing, so an idle loop sleeps.</summary>
public sealed class SpinWindowTests
{
    private const long Max = 800;

    [Fact]
    public void Without_a_maximum_the_loop_always_sleeps()
    {
        var spin = new SpinWindow(0);
        for (int i = 0; i < 10; i++)
        {
            Assert.False(spin.Continues());
            spin.Woke(polled: false);
        }
        Assert.Equal(0, spin.Window);
    }

    [Fact]
    public void A_loop_woken_soon_after_sleeping_polls_next_time_for_the_length_of_its_window()
    {
        var spin = new SpinWindow(Max);
        Assert.False(spin.Continues(1_000));        // nothing learned yet: sleep
        spin.Woke(polled: false, 1_050);            // woken 50 ticks later: a window would have caught it
        Assert.Equal(Max / 8, spin.Window);

        Assert.True(spin.Continues(1_060));         // events handled: the window opens from now
        Assert.True(spin.Continues(1_060 + Max / 8 - 1));
        Assert.False(spin.Continues(1_060 + Max / 8)); // a whole window with nothing: sleep
        Assert.False(spin.Continues(1_060 + Max));  // and sleep again after a spurious return
    }

    [Fact]
    public void Quick_wake_ups_grow_the_window_up_to_the_maximum_and_events_caught_by_polling_keep_it()
    {
        var spin = new SpinWindow(Max);
        long now = 0;
        for (int i = 0; i < 8; i++)
        {
            // The window passes empty, the next event comes soon after: a longer one would have caught it.
            now = ExpireWindow(ref spin, now);
            spin.Woke(polled: false, now + 10);
            now += 20;
        }
        Assert.Equal(Max, spin.Window);             // doubled each time, never past the maximum
        for (int i = 0; i < 100; i++)
        {
            Assert.True(spin.Continues(now));      // a call every 100 ticks: always caught by polling
            now += 100;
            spin.Woke(polled: true);
        }
        Assert.Equal(Max, spin.Window);
    }

    [Fact]
    public void Long_sleeps_halve_the_window_until_an_idle_loop_sleeps_at_once()
    {
        var spin = new SpinWindow(Max);
        long now = GrowToMaximum(ref spin);
        long previous = spin.Window;
        while (spin.Window > 0)
        {
            // Calls far apart: each window passes empty, the sleep after it is long.
            now = ExpireWindow(ref spin, now);
            now += 10 * Max;
            spin.Woke(polled: false, now);
            Assert.True(spin.Window < previous);
            previous = spin.Window;
        }
        Assert.False(spin.Continues(now + 1));     // no window any more: straight to sleep
    }

    [Fact]
    public void A_look_that_lost_the_CPU_for_longer_than_the_maximum_holds_the_CPU_while_windows_catch_events()
    {
        var spin = new SpinWindow(Max);
        long now = GrowToMaximum(ref spin);
        Assert.True(spin.Continues(now));
        Assert.True(spin.Yields);                    // an empty look yields while the CPU is free
        Assert.True(spin.Continues(now + Max / 2));
        now += Max / 2 + Max + 1;
        Assert.True(spin.Continues(now));            // the yield gave the CPU away for too long:
        Assert.False(spin.Yields);                   // poll on, without yielding, for a fresh window
        Assert.True(spin.Continues(now + Max - 1));
        Assert.Equal(Max, spin.Window);

        // Events caught by polling keep the hold, window after window.
        for (int i = 0; i < 50; i++)
        {
            now += Max / 2;
            spin.Woke(polled: true);
            Assert.True(spin.Continues(now));
            Assert.False(spin.Yields);
        }
        // So does a look that lost the CPU again while held (preempted): a fresh window.
        LoseTheCpu(ref spin, now);
    }

    [Fact]
    public void A_held_window_that_passes_empty_ends_the_hold_and_the_loop_sleeps_at_once_for_a_pause()
    {
        var spin = new SpinWindow(Max);
        long now = GrowToMaximum(ref spin);
        Assert.True(spin.Continues(now));
        long sleptAt = HoldUntilEmpty(ref spin, now);
        Assert.InRange(WindowOpensAfter(ref spin, sleptAt), 20 * Max, (20 * Max) + Max);
        Assert.True(spin.Yields);
    }

    [Fact]
    public void Holds_that_come_back_soon_after_a_pause_double_it_up_to_100_ms_and_a_late_one_resets_it()
    {
        var spin = new SpinWindow(Max);
        long now = GrowToMaximum(ref spin);
        Assert.True(spin.Continues(now));
        long pause = 20 * Max;
        for (int i = 0; i < 10; i++)
        {
            // Contended again as soon as polling resumes: the next pause is twice as long.
            long sleptAt = HoldUntilEmpty(ref spin, now);
            long after = WindowOpensAfter(ref spin, sleptAt);
            Assert.InRange(after, pause, pause + Max);
            now = sleptAt + after;
            pause = Math.Min(pause * 2, 2000 * Max);
        }
        Assert.Equal(2000 * Max, pause);

        // Contention that comes back only after a pause's length is brief: the pause is short again.
        long late = HoldUntilEmpty(ref spin, now + (2001 * Max));
        Assert.InRange(WindowOpensAfter(ref spin, late), 20 * Max, (20 * Max) + Max);
    }

    [Fact]
    public void A_loop_that_never_lost_the_CPU_for_long_always_yields()
    {
        var spin = new SpinWindow(Max);
        long now = GrowToMaximum(ref spin);
        for (int i = 0; i < 100; i++)
        {
            Assert.True(spin.Continues(now));
            Assert.True(spin.Yields);
            now += Max - 1;                          // looks as long as a window, never longer
            if (i % 2 == 0)
            {
                spin.Woke(polled: true);
            }
        }
    }

    /// <summary>A look two maximums after the last one (the CPU was given away that long): the
    /// loop holds the CPU and polls a fresh window. Returns the time of that look.</summary>
    private static long LoseTheCpu(ref SpinWindow spin, long now)
    {
        now += 2 * Max;
        Assert.True(spin.Continues(now));
        Assert.False(spin.Yields);
        return now;
    }

    /// <summary>A window is open: the CPU is found contended, the held window passes empty and the
    /// loop sleeps. Returns the time it went to sleep (the pause begins).</summary>
    private static long HoldUntilEmpty(ref SpinWindow spin, long now)
    {
        now = LoseTheCpu(ref spin, now) + Max;
        Assert.False(spin.Continues(now));           // the held window caught nothing: sleep
        Assert.True(spin.Yields);
        return now;
    }

    /// <summary>Wakes the loop soon after each sleep (every quarter maximum) until a window opens
    /// again; returns how long after <paramref name="sleptAt"/> that was.</summary>
    private static long WindowOpensAfter(ref SpinWindow spin, long sleptAt)
    {
        for (long t = sleptAt; ; t += Max / 4)
        {
            spin.Woke(polled: false, t + 1);
            if (spin.Continues(t + 2))
            {
                return t + 2 - sleptAt;
            }
        }
    }

    /// <summary>Quick wake-ups after empty windows until the window is the maximum; returns the time.</summary>
    private static long GrowToMaximum(ref SpinWindow spin)
    {
        long now = 0;
        for (int i = 0; i < 4; i++)
        {
            now = ExpireWindow(ref spin, now);
            spin.Woke(polled: false, now + 1);
            now += 2;
        }
        Assert.Equal(Max, spin.Window);
        return now;
    }

    /// <summary>Opens the window after handled events (if any) and lets it pass with nothing;
    /// returns the time the loop went to sleep.</summary>
    private static long ExpireWindow(ref SpinWindow spin, long now)
    {
        if (spin.Window == 0)
        {
            Assert.False(spin.Continues(now));
            return now;
        }
        Assert.True(spin.Continues(now));
        long end = now + spin.Window;
        Assert.False(spin.Continues(end));
        return end;
    }
}
