using System.Globalization;
using OncRpc.Client;
using OncRpc.Xdr;

namespace OncRpc.Tests.Transport;

[CollectionDefinition(nameof(SharedMemoryIdleCollection), DisableParallelization = true)]
public sealed class SharedMemoryIdleCollection;

/// <summary>An idle shared-memory connection sleeps in the futex: its threads (the server's
/// connection thread, the client's waiter) take no CPU. Alone, so no other test's shared-memory
/// threads are counted.</summary>
[Collection(nameof(SharedMemoryIdleCollection))]
public sealed class SharedMemoryIdleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>CPU ticks (utime + stime, USER_HZ) of this process's threads whose name starts
    /// with "OncRpc shm" (Linux keeps 15 characters of a thread's name).</summary>
    private static long ShmThreadTicks()
    {
        long ticks = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                int open = stat.IndexOf('(', StringComparison.Ordinal);
                int close = stat.LastIndexOf(')');
                if (!stat[(open + 1)..close].StartsWith("OncRpc shm", StringComparison.Ordinal))
                {
                    continue;
                }
                string[] fields = stat[(close + 2)..].Split(' ');
                // After the name: state is field 3 of stat(5), utime 14 and stime 15.
                ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }
        return ticks;
    }

    [Fact]
    public async Task An_idle_connection_costs_no_cpu()
    {
        await using var server = await SharedMemoryTransportTests.ShmServer.StartAsync();
        await using RpcClient client = await server.ConnectAsync();
        // Both the blocking path and the async pump (whose wait the waiter thread takes) have run.
        client.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, new byte[] { 1 }, Ct);
        await client.CallAsync<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, new byte[] { 2 }, Ct);
        Task<XdrInt> held = client.CallAsync<XdrInt, XdrInt>(SharedMemoryTransportTests.Hold, new XdrInt(0), Ct).AsTask();
        server.Gate.SetResult();
        await held;
        Assert.True(Directory.GetDirectories("/proc/self/task").Any(t => File.ReadAllText(Path.Combine(t, "comm")).StartsWith("OncRpc shm", StringComparison.Ordinal)),
            "the connection's threads are there to be measured");

        long before = ShmThreadTicks();
        // A measuring window, not a synchronisation: nothing happens on the connection meanwhile.
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        long spent = ShmThreadTicks() - before;
        Assert.True(spent <= 1, $"the idle connection's threads took {spent} ticks (1/100 s) in a second");
    }
}
