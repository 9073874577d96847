using System.Globalization;
using System.Net;
using System.Runtime;
using OncRpc.Server;

namespace OncRpc.LoadGenerator;

/// <summary>
/// <c>--memory-after-teardown</c>: what the runtime keeps once a load is over and every client and
/// server is gone. In one process: a short NULL load and teardown (so first-use costs are not
/// counted), a full compacting collection and the GC heap as the baseline; then the measured load
/// (the given --proc/--size/--connections/--inflight against an in-process server) and teardown;
/// then the same collection and the heap again. What the heap kept beyond the baseline is what
/// the runtime's pools (the encode buffers, the large arrays, the shared array pool) still hold.
/// </summary>
public static class TeardownMemory
{
    /// <summary>Runs it; the summary line, and whether calls were measured and none failed.</summary>
    public static async Task<(string Line, bool Ok)> RunAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await LoadAndTearDownAsync(options with { Procedure = "null", Size = -1, Duration = TimeSpan.FromSeconds(0.5), Warmup = TimeSpan.Zero },
            cancellationToken).ConfigureAwait(false);
        long before = CollectedHeapBytes();
        LoadResult load = await LoadAndTearDownAsync(options, cancellationToken).ConfigureAwait(false);
        long after = CollectedHeapBytes();
        GCMemoryInfo info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"memory_after_teardown calls={load.Calls} errors={load.Errors} proc={options.Procedure} size={options.EffectiveSize} connections={options.Connections} inflight={options.InFlight} heap_before_mib={Mib(before)} heap_after_mib={Mib(after)} held_mib={Mib(after - before)} buffer_pool_mib={Mib(Transport.Internal.BufferPool.PooledBytes)} large_arrays_mib={Mib(Internal.BytePool.LargeBytes)} committed_mib={Mib(info.TotalCommittedBytes)} rss_mib={Mib(ProcessCounters.ResidentSetBytes())}");
        return (line, load.Calls > 0 && load.Errors == 0);
    }

    private static async Task<LoadResult> LoadAndTearDownAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        await using var server = new RpcServer(new RpcServerOptions { MaxConcurrentCallsPerConnection = 256 });
        new BenchServer().Register(server.Dispatcher);
        if (options.Transport == "unix")
        {
            server.ListenUnix(options.UnixPath ?? Path.Combine(Path.GetTempPath(), $"oncrpc-teardown-{Environment.ProcessId}.sock"));
        }
        else if (options.Transport == "udp")
        {
            server.ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        }
        else
        {
            server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        }
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        EndPoint endPoint = server.EndPoints[0].EndPoint;
        LoadResult result = await LoadRunner.RunAsync(options, endPoint, cancellationToken).ConfigureAwait(false);
        await server.StopAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static long CollectedHeapBytes()
    {
        for (int i = 0; i < 2; i++)
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes;
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("F2", CultureInfo.InvariantCulture);
}
