using System.Net;
using Microsoft.Extensions.Time.Testing;
using OncRpc.Client;
using OncRpc.Client.Internal;
using OncRpc.Server;
using OncRpc.Tests.Support;
using OncRpc.Tests.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

/// <summary>RpcClient.Call: the blocking call whose thread reads the reply itself when nobody else does.</summary>
public class SyncCallTests
{
    private static readonly RpcProcedureDescriptor ServerEcho = new(ServerHarness.Program, 1, ServerHarness.EchoProc, "TEST_PROG", "ECHO");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Waits until a synchronous caller holds the client's reader role (a signal, not a delay).</summary>
    internal static Task LeaderReadsAsync(RpcClient client) =>
        Eventually.ReachedAsync(() => ((StreamRpcClient)client).Connection!.Reader.Role.IsHeldBySyncReader, "a sync caller reads");

    /// <summary>Runs blocking code on its own thread, so tests never block the pool that runs the fakes.</summary>
    internal static Task<T> OnThread<T>(Func<T> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static async Task<RpcClient> ConnectAsync(ServerHarness harness, RpcTransportKind transport) => transport switch
    {
        RpcTransportKind.Tcp => await RpcClient.ConnectTcpAsync(harness.Tcp, cancellationToken: Ct),
        RpcTransportKind.Udp => RpcClient.CreateUdp((IPEndPoint)harness.Udp),
        _ => await RpcClient.ConnectUnixAsync(((System.Net.Sockets.UnixDomainSocketEndPoint)harness.Unix).ToString(), cancellationToken: Ct),
    };

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    [InlineData(RpcTransportKind.Local)]
    public async Task Sync_calls_reach_our_server_over_every_transport(RpcTransportKind transport)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using RpcClient client = await ConnectAsync(harness, transport);
        string[] results = await OnThread(() =>
            Enumerable.Range(0, 200).Select(i => client.Call<XdrString, XdrString>(ServerEcho, $"call {i}", Ct).Value).ToArray());
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"call {i}"), results);
        // Async calls still work on the same client after the sync ones, and sync after async.
        Assert.Equal("async", (string)await client.CallAsync<XdrString, XdrString>(ServerEcho, "async", Ct));
        Assert.Equal("again", await OnThread(() => client.Call<XdrString, XdrString>(ServerEcho, "again", Ct).Value));
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public async Task Many_threads_mixing_sync_and_async_calls_get_their_own_results(RpcTransportKind transport)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { MaxConcurrentCallsPerConnection = 64 });
        await using RpcClient client = await ConnectAsync(harness, transport);
        const int Threads = 8, PerThread = 500, AsyncWorkers = 4;
        Task<int>[] sync = Enumerable.Range(0, Threads).Select(t => OnThread(() =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                string argument = $"sync {t}/{i}";
                Assert.Equal(argument, client.Call<XdrString, XdrString>(ServerEcho, argument, Ct).Value);
            }
            return PerThread;
        })).ToArray();
        Task<int>[] async = Enumerable.Range(0, AsyncWorkers).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                string argument = $"async {w}/{i}";
                // Two in flight at once per worker, so async calls overlap the sync leader's reads.
                ValueTask<XdrString> a = client.CallAsync<XdrString, XdrString>(ServerEcho, argument + "a", Ct);
                ValueTask<XdrString> b = client.CallAsync<XdrString, XdrString>(ServerEcho, argument + "b", Ct);
                Assert.Equal(argument + "a", (string)await a);
                Assert.Equal(argument + "b", (string)await b);
            }
            return PerThread;
        }, Ct)).ToArray();
        int[] done = await Task.WhenAll(sync.Concat(async)).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.Equal((Threads + AsyncWorkers) * PerThread, done.Sum());
    }

    [Fact]
    public async Task A_sync_leader_dispatches_replies_for_an_async_call_and_a_waiting_sync_call()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        Task<int> leader = OnThread(() => client.Call<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct).Value);
        ReceivedCall first = await peer.ReadCallAsync();
        await LeaderReadsAsync(client); // the leader is now polling the socket itself
        ValueTask<XdrInt> asyncCall = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 2, Ct);
        ReceivedCall second = await peer.ReadCallAsync();
        Task<int> waiter = OnThread(() => client.Call<XdrInt, XdrInt>(TcpClientTests.Echo, 3, Ct).Value);
        ReceivedCall third = await peer.ReadCallAsync();

        // Replies for the others first: the leader must hand them over while it keeps waiting.
        await peer.SendMessageAsync(RpcBytes.Success(second.Xid, XdrBytes.Int(20)));
        Assert.Equal(20, (int)await asyncCall.AsTask().WaitAsync(TimeSpan.FromSeconds(5), Ct));
        await peer.SendMessageAsync(RpcBytes.Success(third.Xid, XdrBytes.Int(30)));
        Assert.Equal(30, await waiter.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.False(leader.IsCompleted);
        await peer.SendMessageAsync(RpcBytes.Success(first.Xid, XdrBytes.Int(10)));
        Assert.Equal(10, await leader.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task A_waiting_sync_call_is_answered_after_the_leader_leaves()
    {
        // The leader's own reply comes first; it gives the role up with a call still pending,
        // so someone else must read the waiter's reply.
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        Task<int> leader = OnThread(() => client.Call<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct).Value);
        ReceivedCall first = await peer.ReadCallAsync();
        await LeaderReadsAsync(client);
        Task<int> waiter = OnThread(() => client.Call<XdrInt, XdrInt>(TcpClientTests.Echo, 2, Ct).Value);
        ReceivedCall second = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(first.Xid, XdrBytes.Int(10)));
        Assert.Equal(10, await leader.WaitAsync(TimeSpan.FromSeconds(5), Ct)); // it gave the role up before returning
        await peer.SendMessageAsync(RpcBytes.Success(second.Xid, XdrBytes.Int(20)));
        Assert.Equal(20, await waiter.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task A_reply_in_several_fragments_and_tcp_segments_is_reassembled()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, new RpcClientOptions { MaxRecordSize = 4096 }, Ct);
        FakePeer peer = await server.AcceptAsync();
        string text = new('x', 1000);
        Task<string> call = OnThread(() => client.Call<XdrInt, XdrString>(TcpClientTests.Echo, 1, Ct).Value);
        ReceivedCall received = await peer.ReadCallAsync();
        byte[] reply = RpcBytes.Success(received.Xid, XdrBytes.StringOf(text));
        byte[] wire = XdrBytes.Concat(
            XdrBytes.Words(7), reply[..7], XdrBytes.Words(0), XdrBytes.Words(500), reply[7..507], XdrBytes.Words(0x8000_0000 | (uint)(reply.Length - 507)), reply[507..]);
        for (int offset = 0; offset < wire.Length; offset += 97)
        {
            await peer.SendRawAsync(wire[offset..Math.Min(wire.Length, offset + 97)]);
            await Task.Delay(2, Ct); // pacing, the thing under test (small segments), not a synchronization
        }
        Assert.Equal(text, await call.WaitAsync(TimeSpan.FromSeconds(5), Ct));

        // Two replies in one segment, the second cut in half: both calls see their own.
        Task<int> a = OnThread(() => client.Call<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct).Value);
        ReceivedCall ca = await peer.ReadCallAsync();
        ValueTask<XdrInt> b = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 2, Ct);
        ReceivedCall cb = await peer.ReadCallAsync();
        byte[] both = XdrBytes.Concat(RpcBytes.Fragment(RpcBytes.Success(cb.Xid, XdrBytes.Int(2))), RpcBytes.Fragment(RpcBytes.Success(ca.Xid, XdrBytes.Int(1))));
        await peer.SendRawAsync(both[..40]);
        await Task.Delay(50, Ct); // pacing: the first half arrives on its own (under test), nothing waits on it
        await peer.SendRawAsync(both[40..]);
        Assert.Equal(1, await a.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(2, (int)await b);
    }

    [Fact]
    public async Task A_sync_call_on_a_connection_the_server_closed_while_idle_reconnects()
    {
        var time = new FakeTimeProvider();
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, new RpcClientOptions { TimeProvider = time }, Ct);
        FakePeer peer = await server.AcceptAsync();
        Task<int> first = OnThread(() => client.Call<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct).Value);
        ReceivedCall c1 = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(c1.Xid, XdrBytes.Int(1)));
        Assert.Equal(1, await first);
        peer.Dispose(); // an idle timeout on the server: FIN while nobody reads
        time.Advance(TimeSpan.FromSeconds(1.2)); // quiet long enough for the idle probe
        Task<int> second = OnThread(() => client.Call<XdrInt, XdrInt>(TcpClientTests.Echo, 2, Ct).Value);
        FakePeer again = await server.AcceptAsync();
        ReceivedCall c2 = await again.ReadCallAsync();
        await again.SendMessageAsync(RpcBytes.Success(c2.Xid, XdrBytes.Int(2)));
        Assert.Equal(2, await second.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task A_sync_call_flushes_batched_calls_ahead_of_itself_in_order()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        await client.BatchAsync<XdrInt>(TcpClientTests.Echo, 1, Ct);
        await client.BatchAsync<XdrInt>(TcpClientTests.Echo, 2, Ct);
        Assert.True(await peer.ReceivesNothingAsync(TimeSpan.FromMilliseconds(200)));
        Task<int> call = OnThread(() => client.Call<XdrInt, XdrInt>(TcpClientTests.Echo, 3, Ct).Value);
        Assert.Equal(1, (await peer.ReadCallAsync()).IntArgument);
        Assert.Equal(2, (await peer.ReadCallAsync()).IntArgument);
        ReceivedCall flushing = await peer.ReadCallAsync();
        Assert.Equal(3, flushing.IntArgument);
        await peer.SendMessageAsync(RpcBytes.Success(flushing.Xid, XdrBytes.Int(30)));
        Assert.Equal(30, await call.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }
}
