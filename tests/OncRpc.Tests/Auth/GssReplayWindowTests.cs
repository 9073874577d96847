using OncRpc.Auth.Gss.Internal;

namespace OncRpc.Tests.Auth;

/// <summary>The RPCSEC_GSS server's sequence window (RFC 2203 §5.3.3.1).</summary>
public sealed class GssReplayWindowTests
{
    [Fact]
    public void Each_number_is_accepted_once_in_any_order_inside_the_window()
    {
        var window = new GssReplayWindow(128);
        Assert.True(window.TryAccept(10));
        Assert.True(window.TryAccept(12));
        Assert.True(window.TryAccept(11));
        Assert.False(window.TryAccept(11));
        Assert.False(window.TryAccept(12));
        Assert.True(window.TryAccept(1));
        Assert.False(window.TryAccept(1));
    }

    [Fact]
    public void Numbers_below_the_window_are_refused_and_a_big_jump_clears_it()
    {
        var window = new GssReplayWindow(128);
        Assert.True(window.TryAccept(200));
        Assert.True(window.TryAccept(73));   // 200 - 127: the oldest slot
        Assert.False(window.TryAccept(72));  // below the window
        Assert.True(window.TryAccept(265));  // slides by 65: bits cross a word boundary
        Assert.False(window.TryAccept(200));
        Assert.False(window.TryAccept(73));  // now below
        Assert.True(window.TryAccept(199));
        Assert.True(window.TryAccept(10_000));
        Assert.True(window.TryAccept(9_999));
        Assert.False(window.TryAccept(265));
    }

    [Fact]
    public void Matches_a_set_model_under_random_traffic()
    {
        var random = new Random(2203);
        var window = new GssReplayWindow(64);
        var seen = new HashSet<uint>();
        uint highest = 0;
        for (int i = 0; i < 20_000; i++)
        {
            uint n = (uint)Math.Max(1, (int)highest + random.Next(-80, 20));
            bool expected = (seen.Count == 0 || n > highest || highest - n < 64) && !seen.Contains(n);
            Assert.Equal(expected, window.TryAccept(n));
            if (expected)
            {
                seen.Add(n);
                highest = Math.Max(highest, n);
            }
        }
    }
}
