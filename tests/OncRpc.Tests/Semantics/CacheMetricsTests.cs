using System.Diagnostics.Metrics;
using OncRpc.Diagnostics;
using OncRpc.Tests.Server;
using static OncRpc.Tests.Semantics.SemanticsHarness;

namespace OncRpc.Tests.Semantics;

/// <summary>The cache's events reach the server meter, by outcome. Alone in its collection: a
/// meter listener hears every server in the process.</summary>
[Collection(nameof(ServerMemoryCollection))]
public sealed class CacheMetricsTests
{
    [Fact]
    public async Task Replays_in_progress_duplicates_and_evictions_are_counted_by_outcome()
    {
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RpcServerDiagnostics.MeterName && instrument.Name == "onc_rpc.server.duplicate_requests")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (counts)
            {
                string outcome = (string)tags[0].Value!;
                counts[outcome] = counts.GetValueOrDefault(outcome) + value;
            }
        });
        listener.Start();

        using var h = new SemanticsHarness(o => o.DuplicateRequestCache!.MaxEntries = 2);
        await h.CallAsync(1, Deposit);
        await h.CallAsync(1, Deposit);                                  // replayed
        Task<byte[]?> slow = h.CallAsync(2, Slow, transport: RpcTransportKind.Udp);
        await h.CallAsync(2, Slow, transport: RpcTransportKind.Udp);    // in progress
        h.Release();
        await slow;
        await h.CallAsync(3, Deposit);                                  // evicts xid 1

        lock (counts)
        {
            Assert.Equal(1, counts.GetValueOrDefault("replayed"));
            Assert.Equal(1, counts.GetValueOrDefault("in_progress"));
            Assert.Equal(1, counts.GetValueOrDefault("evicted"));
        }
    }
}
