using System.Diagnostics;

namespace OncRpc.LoadGenerator;

/// <summary>
/// What one closed load loop counts inside the measured window (calls started before
/// <c>measureStart</c> are warm-up and not counted), and the merge of every loop's tally into
/// one run's figures. Shared by the load generator and the gRPC side-by-side client so both
/// count the same way; the loops keep their call code (one async method per loop, no virtual
/// call per call).
/// </summary>
public sealed class CallTally(long measureStart)
{
    private const int MaxErrors = 1000;

    public LatencyHistogram Histogram { get; } = new();
    public long Errors { get; private set; }
    public string? FirstError { get; private set; }

    /// <summary>Notes the first failure's description.</summary>
    public void Failed(string message) => FirstError ??= message;

    /// <summary>Counts a call started at <paramref name="startTimestamp"/>; false once there
    /// are too many errors to go on.</summary>
    public bool Record(long startTimestamp, bool ok)
    {
        long end = Stopwatch.GetTimestamp();
        if (startTimestamp < measureStart)
        {
            return true;
        }
        if (!ok)
        {
            Errors++;
            FirstError ??= "wrong result";
            return Errors <= MaxErrors;
        }
        Histogram.Record((long)((end - startTimestamp) * (1e9 / Stopwatch.Frequency)));
        return true;
    }

    /// <summary>Every loop's tally as one: the merged histogram, errors and first error.</summary>
    public static (LatencyHistogram Histogram, long Errors, string? FirstError) Merge(IEnumerable<CallTally> tallies)
    {
        var histogram = new LatencyHistogram();
        long errors = 0;
        string? firstError = null;
        foreach (CallTally tally in tallies)
        {
            histogram.Add(tally.Histogram);
            errors += tally.Errors;
            firstError ??= tally.FirstError;
        }
        return (histogram, errors, firstError);
    }

    /// <summary>Waits until the <see cref="Stopwatch"/> timestamp <paramref name="timestamp"/>.</summary>
    public static async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        long remaining = timestamp - Stopwatch.GetTimestamp();
        if (remaining > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
        }
    }
}
