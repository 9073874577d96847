using System.Diagnostics;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Tests.Transport;

/// <summary>A real client process killed with SIGKILL in the middle of a record: a small Python
/// program maps the connection, writes the start of a call record claiming 100,000 bytes into
/// the client-to-server ring (waking the server's thread on its futex, as a writer does), says
/// so, and is killed. The kernel closes its socket; the server must drop the connection at once
/// and serve on.</summary>
public sealed class SharedMemoryKilledPeerTests
{
    private const string Python = "/usr/bin/python3";

    private const string ClientScript = """
        import ctypes, mmap, socket, struct, sys, time
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        msg, fds, flags, addr = socket.recv_fds(s, 16, 1)
        ring = struct.unpack(">I", msg[8:12])[0]
        m = mmap.mmap(fds[0], 4096 + 2 * ring)
        record = struct.pack(">I", 0x80000000 | 100000) + bytes(range(256)) * 8
        m[4096:4096 + len(record)] = record
        struct.pack_into("<q", m, 256, len(record))          # tail of the client-to-server ring
        word = ctypes.c_int.from_buffer(m, 256 + 256)         # its reader-sleeping futex word
        if word.value:
            word.value = 0
            ctypes.CDLL(None, use_errno=True).syscall(202, ctypes.byref(word), 1, 0x7fffffff, None, None, 0)
        print("written", flush=True)
        time.sleep(600)
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_client_process_killed_mid_record_is_dropped_promptly_and_the_server_serves_on()
    {
        Assert.SkipUnless(ShmLibc.IsSupported && File.Exists(Python), "needs Linux x86_64 and /usr/bin/python3");
        await using var server = await SharedMemoryTransportTests.ShmServer.StartAsync();
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(ClientScript);
        start.ArgumentList.Add(server.Path);
        using Process client = Process.Start(start)!;
        try
        {
            string? line = await client.StandardOutput.ReadLineAsync(Ct);
            if (line != "written")
            {
                Assert.Fail("the client did not write its partial record: " + await client.StandardError.ReadToEndAsync(Ct));
            }
            Assert.Equal(1, server.Server.ConnectionCount);
            await Eventually.ReachedAsync(() => server.Server.Connections.Single().InFlight.Count == 0 && !server.Server.Connections.Single().PausedAtCallLimit,
                "the server took the partial record and waits for the rest");
        }
        finally
        {
            client.Kill(); // SIGKILL: no chance to close anything itself
        }
        long killed = Stopwatch.GetTimestamp();
        await client.WaitForExitAsync(Ct);
        await Eventually.ReachedAsync(() => server.Server.ConnectionCount == 0, "the killed client's connection ends");
        Assert.True(Stopwatch.GetElapsedTime(killed) < TimeSpan.FromSeconds(5), "noticed at once, not at an idle timeout");

        await using RpcClient next = await server.ConnectAsync();
        Assert.Equal([5], next.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, new byte[] { 5 }, Ct).Value.ToArray());
    }
}
