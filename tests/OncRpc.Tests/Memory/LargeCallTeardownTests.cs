using System.Net;
using System.Runtime;
using OncRpc.Client;
using OncRpc.Internal;
using OncRpc.Server;
using OncRpc.Tests.Server;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Tests.Memory;

/// <summary>
/// Memory that goes back: 300 KB calls (and a few over 1 MiB) on many connections at once, then
/// every client and the server gone. What the runtime still holds afterwards (its encode-buffer
/// pool, its large-array buckets, and whatever it gave to the shared array pool) must be a few
/// MiB, not the tens of MiB the shared pool keeps when large arrays go back to it. Whole-process
/// GC figures, so these run alone (after the parallel tests).
/// </summary>
[Collection(nameof(ServerMemoryCollection))]
public sealed class LargeCallTeardownTests
{
    private static readonly RpcProcedureDescriptor Echo = new(0x2000_1299, 1, 1, "MEM_PROG", "ECHO");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task After_large_calls_on_many_connections_and_teardown_the_runtime_holds_a_few_MiB(int eventLoopThreads)
    {
        // First use of everything (sockets, the thread pool, the pipeline's caches) is not counted.
        await LoadAndTearDownAsync(eventLoopThreads, connections: 8, callsPerLoop: 2, size: 100);
        long before = CollectedHeapBytes();

        await LoadAndTearDownAsync(eventLoopThreads, connections: 8, callsPerLoop: 6, size: 300_000);
        await LoadAndTearDownAsync(eventLoopThreads, connections: 2, callsPerLoop: 2, size: 1_500_000);
        long held = CollectedHeapBytes() - before;

        Assert.True(BufferPool.PooledBytes <= BufferPool.MaxPooledBytes, $"encode buffers: {BufferPool.PooledBytes} bytes");
        Assert.True(BytePool.LargeBytes <= BytePool.MaxLargeBytes, $"large arrays: {BytePool.LargeBytes} bytes");
        // The two bounds are 7 MiB together; what the shared pool keeps of arrays up to 128 KiB adds
        // little (1-3 MiB measured; 36-50 MiB when arrays of any size went back to the shared pool).
        Assert.True(held < 8 * 1024 * 1024, $"{held / 1048576.0:F1} MiB of GC heap held after teardown");
    }

    private static async Task LoadAndTearDownAsync(int eventLoopThreads, int connections, int callsPerLoop, int size)
    {
        await using var server = new RpcServer(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        server.Dispatcher.Register<XdrOpaque, XdrOpaque>(Echo, static (bytes, _) => ValueTask.FromResult(bytes));
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(Ct);
        EndPoint endPoint = server.EndPoints[0].EndPoint;
        byte[] payload = new byte[size];
        Random.Shared.NextBytes(payload);
        var clients = new List<RpcClient>();
        try
        {
            for (int i = 0; i < connections; i++)
            {
                clients.Add(await RpcClient.ConnectTcpAsync(endPoint, null, Ct));
            }
            // Four calls in flight on each connection, each checked.
            await Task.WhenAll(clients.SelectMany(client => Enumerable.Range(0, 4).Select(async _ =>
            {
                for (int n = 0; n < callsPerLoop; n++)
                {
                    XdrOpaque echoed = await client.CallAsync<XdrOpaque, XdrOpaque>(Echo, new XdrOpaque(payload), Ct);
                    Assert.True(echoed.Value.Span.SequenceEqual(payload));
                }
            })));
        }
        finally
        {
            foreach (RpcClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
        await server.StopAsync(Ct);
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
}
