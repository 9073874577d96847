using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace OncRpc.Diagnostics.Internal;

/// <summary>
/// What client and server phase timing share: the histogram's buckets (microseconds to a second),
/// and how a call's split becomes measurements (one per phase reached, tagged with
/// <c>onc_rpc.phase</c> and the call's procedure) and span events (one per phase, named after it,
/// carrying its duration).
/// </summary>
internal static class PhaseTelemetry
{
    public const string PhaseTag = "onc_rpc.phase";
    public const string DurationTag = "onc_rpc.phase.duration";

    public static readonly InstrumentAdvice<double> Advice = new()
    {
        HistogramBucketBoundaries =
        [
            0.000_001, 0.000_002, 0.000_005, 0.000_01, 0.000_02, 0.000_05, 0.000_1, 0.000_2, 0.000_5,
            0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1,
        ],
    };

    /// <summary>Records each phase of <paramref name="ticks"/> reached (not -1).</summary>
    public static void Record(Histogram<double> histogram, string[] names, ReadOnlySpan<long> ticks, in TagList procedureTags)
    {
        for (int phase = 0; phase < ticks.Length; phase++)
        {
            if (ticks[phase] >= 0)
            {
                TagList tags = procedureTags;
                tags.Add(PhaseTag, names[phase]);
                histogram.Record((double)ticks[phase] / Stopwatch.Frequency, tags);
            }
        }
    }

    /// <summary>Adds one event per phase reached to <paramref name="activity"/>, when it records.</summary>
    public static void AddEvents(Activity? activity, string[] names, ReadOnlySpan<long> ticks)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }
        for (int phase = 0; phase < ticks.Length; phase++)
        {
            if (ticks[phase] >= 0)
            {
                activity.AddEvent(new ActivityEvent(names[phase], tags: new ActivityTagsCollection
                {
                    { PhaseTag, names[phase] },
                    { DurationTag, (double)ticks[phase] / Stopwatch.Frequency },
                }));
            }
        }
    }
}
