using Grpc.Core;
using OncRpc.LoadGenerator;

namespace OncRpc.GrpcBench;

/// <summary>
/// bench.x's procedures as gRPC methods, written as OncRpc.LoadGenerator's BenchServer writes them:
/// handlers complete synchronously, NULL answers one shared empty message, ECHO answers the
/// request message itself (as ours answers its decoded argument), ADD wraps like bench_svc.c.
/// ASP.NET Core activates a service instance per call (its default); the counters are shared.
/// </summary>
internal sealed class BenchService(BenchCounters counters) : Bench.BenchBase
{
    private static readonly Task<Empty> s_empty = Task.FromResult(new Empty());

    public override Task<Empty> Null(Empty request, ServerCallContext context)
    {
        counters.Count();
        return s_empty;
    }

    public override Task<AddResult> Add(AddArgs request, ServerCallContext context)
    {
        counters.Count();
        return Task.FromResult(new AddResult { Sum = unchecked(request.A + request.B) });
    }

    public override Task<Blob> Echo(Blob request, ServerCallContext context)
    {
        counters.Count();
        return Task.FromResult(request);
    }

    public override Task<ServerStats> Snapshot(SnapshotRequest request, ServerCallContext context)
    {
        if (request.Collect)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        return Task.FromResult(counters.Take());
    }
}

/// <summary>The server process's cumulative counters, differenced by the client over its measured window.</summary>
internal sealed class BenchCounters
{
    private long _calls;

    public void Count() => Interlocked.Increment(ref _calls);

    public ServerStats Take() => new()
    {
        Calls = (ulong)Volatile.Read(ref _calls),
        CpuNanoseconds = (ulong)(ProcessCounters.CpuTime().Ticks * 100),
        AllocatedBytes = (ulong)GC.GetTotalAllocatedBytes(precise: true),
        Gen0Collections = (uint)GC.CollectionCount(0),
    };
}
