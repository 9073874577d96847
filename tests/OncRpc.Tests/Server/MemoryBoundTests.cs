using OncRpc.Server;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Server.ServerHarness;

namespace OncRpc.Tests.Server;

/// <summary>Memory-bound tests measure the whole process (GC.GetTotalMemory after a full
/// collection), so they run alone, after the parallel tests.</summary>
[CollectionDefinition(nameof(ServerMemoryCollection), DisableParallelization = true)]
public sealed class ServerMemoryCollection;

[Collection(nameof(ServerMemoryCollection))]
public sealed class MemoryBoundTests
{
    [Theory]
    [InlineData(0x7FFF_FFFFu, 0)]
    [InlineData(0x7FFF_FFFFu, 2)]
    [InlineData(0xFFFF_FFFFu, 0)]
    [InlineData(0xFFFF_FFFFu, 2)]
    public async Task A_fragment_claiming_2GiB_closes_the_connection_without_allocating(uint header, int eventLoopThreads)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        long before = GC.GetTotalMemory(forceFullCollection: true);
        await using (FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp))
        {
            await peer.SendRawAsync([.. XdrBytes.Words(header), .. new byte[100]]);
            Assert.True(await peer.WaitForCloseAsync(TimeSpan.FromSeconds(10)));
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - before < 16 * 1024 * 1024, $"memory grew by {after - before} bytes");
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task Many_hostile_connections_leave_memory_bounded()
    {
        await using ServerHarness harness = await ServerHarness.StartAsync();
        long before = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < 20; i++)
        {
            await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
            // A 4 MiB record header (under the cap), then a few bytes, then gone.
            await peer.SendRawAsync([.. XdrBytes.Words(0x8000_0000u | (4u << 20)), .. new byte[1000]]);
        }
        await harness.AssertStillServesAsync();
        // Measured once the server has closed every one of them (and let go of their buffers).
        await Eventually.ReachedAsync(() => harness.Server.ConnectionCount == 0, "every hostile connection is closed");
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - before < 32 * 1024 * 1024, $"memory grew by {after - before} bytes");
    }

    [Fact]
    public async Task A_4GB_string_claim_costs_no_memory()
    {
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        byte[] call = RpcBytes.CallMessage(9, Program, 1, EchoProc, [.. XdrBytes.Words(0xFFFF_FFFF), .. new byte[60]]);
        long before = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(RpcBytes.GarbageArguments(9), await peer.CallAsync(call));
        }
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - before < 8 * 1024 * 1024, $"memory grew by {after - before} bytes");
    }
}
