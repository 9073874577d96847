using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Client.Internal;
using OncRpc.Server;
using OncRpc.Tests.Support;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Tests.Transport;

/// <summary>The shared-memory transport end to end: a real server and client in this process,
/// each with its own mapping of the connection's rings (the kernel maps one memfd twice, as it
/// does across processes).</summary>
public sealed class SharedMemoryTransportTests
{
    private const uint Program = 0x2000_5353;
    internal static readonly RpcProcedureDescriptor Echo = new(Program, 1, 1, "SHM_TEST", "ECHO");
    internal static readonly RpcProcedureDescriptor Hold = new(Program, 1, 2, "SHM_TEST", "HOLD");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A server with one shared-memory end point serving ECHO (opaque in, same bytes
    /// out) and HOLD (waits for <see cref="Gate"/>).</summary>
    internal sealed class ShmServer : IAsyncDisposable
    {
        public ShmServer(RpcServerOptions? options)
        {
            Assert.SkipUnless(ShmLibc.IsSupported, "shared memory needs Linux x86_64");
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"oncrpc-shm-{Guid.NewGuid():N}.sock");
            Server = new RpcServer(options);
            Server.Dispatcher.Register<XdrOpaque, XdrOpaque>(Echo, static (data, _) => ValueTask.FromResult(data));
            Server.Dispatcher.Register<XdrInt, XdrInt>(Hold, async (value, context) =>
            {
                await Gate.Task.WaitAsync(context.CancellationToken);
                return new XdrInt(value.Value + 1);
            });
            Server.ListenSharedMemory(Path);
        }

        public string Path { get; }
        public RpcServer Server { get; }
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static async Task<ShmServer> StartAsync(RpcServerOptions? options = null)
        {
            var server = new ShmServer(options);
            await server.Server.StartAsync(Ct);
            return server;
        }

        /// <summary>As <see cref="StartAsync(RpcServerOptions?)"/>, with rings of <paramref name="ringSize"/> bytes.</summary>
        public static Task<ShmServer> StartAsync(int ringSize, RpcServerOptions? options = null)
        {
            options ??= new RpcServerOptions();
            options.SharedMemory.RingSize = ringSize;
            return StartAsync(options);
        }

        public Task<RpcClient> ConnectAsync(RpcClientOptions? options = null) => RpcClient.ConnectSharedMemoryAsync(Path, options, Ct);

        public async ValueTask DisposeAsync()
        {
            Gate.TrySetResult();
            await Server.DisposeAsync();
            Assert.False(File.Exists(Path), "the socket file is removed at stop");
        }
    }

    /// <summary>A fake client on a raw socket: it connects to a server whose rings are 4 KiB (or as given),
    /// takes the mapping and writes what the test likes into the rings; disposing it is the
    /// client dying (the socket closes).</summary>
    internal sealed class RawShmPeer : IDisposable
    {
        private readonly Socket _socket;

        private RawShmPeer(Socket socket, ShmMapping mapping)
        {
            _socket = socket;
            Mapping = mapping;
            ToServer = new ShmRing(mapping, ShmMapping.ClientToServer, 0);
            FromServer = new ShmRing(mapping, ShmMapping.ServerToClient, 0);
        }

        public ShmMapping Mapping { get; }
        public ShmRing ToServer { get; }
        public ShmRing FromServer { get; }

        public static async Task<(ShmServer Server, RawShmPeer Peer)> StartWithRingsAsync(int ringSize = 4096)
        {
            ShmServer server = await ShmServer.StartAsync(ringSize);
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(server.Path), Ct);
            return (server, new RawShmPeer(socket, ShmHandshake.Accept(socket, TimeSpan.FromSeconds(10))));
        }

        public void Dispose()
        {
            Mapping.Dispose();
            _socket.Dispose();
        }
    }

    [Fact]
    public async Task Sync_and_async_calls_cross_the_rings()
    {
        await using ShmServer server = await ShmServer.StartAsync();
        await using RpcClient client = await server.ConnectAsync();
        byte[] data = RingFixture.Pattern(100, 1);
        Assert.Equal(data, client.Call<XdrOpaque, XdrOpaque>(Echo, data, Ct).Value.ToArray());
        Assert.Equal(data, (await client.CallAsync<XdrOpaque, XdrOpaque>(Echo, data, Ct)).Value.ToArray());
        for (int i = 0; i < 1000; i++)
        {
            byte[] each = RingFixture.Pattern(i % 300, i);
            Assert.Equal(each, client.Call<XdrOpaque, XdrOpaque>(Echo, each, Ct).Value.ToArray());
        }
        Assert.Equal(RpcTransportKind.SharedMemory, server.Server.EndPoints[0].Transport);
    }

    [Fact]
    public async Task Records_larger_than_the_ring_stream_through_it_both_ways()
    {
        await using ShmServer server = await ShmServer.StartAsync(ringSize: 4096);
        await using RpcClient client = await server.ConnectAsync();
        byte[] data = RingFixture.Pattern(1024 * 1024, 2);
        Assert.Equal(data, client.Call<XdrOpaque, XdrOpaque>(Echo, data, Ct).Value.ToArray());
        Assert.Equal(data, (await client.CallAsync<XdrOpaque, XdrOpaque>(Echo, data, Ct)).Value.ToArray());
    }

    [Fact]
    public async Task Rings_full_in_both_directions_hold_calls_back_without_losing_any()
    {
        // One call at a time on the server and a 4 KiB ring: while a HOLD call waits, the calls
        // behind it fill the client-to-server ring (the client's writer waits for space); the
        // 64 KiB replies then fill the server-to-client ring faster than one reader drains it.
        await using ShmServer server = await ShmServer.StartAsync(4096, new RpcServerOptions { MaxConcurrentCallsPerConnection = 1 });
        await using RpcClient client = await server.ConnectAsync();
        Task<XdrInt> held = client.CallAsync<XdrInt, XdrInt>(Hold, new XdrInt(41), Ct).AsTask();
        var echoes = new List<(byte[] Sent, Task<XdrOpaque> Reply)>();
        for (int i = 0; i < 24; i++)
        {
            byte[] data = RingFixture.Pattern(64 * 1024, 100 + i);
            echoes.Add((data, Task.Run(() => client.CallAsync<XdrOpaque, XdrOpaque>(Echo, data, Ct).AsTask(), Ct)));
        }
        await Eventually.ReachedAsync(() => server.Server.Connections.Single().PausedAtCallLimit, "the server stops reading at its limit");
        Assert.All(echoes, e => Assert.False(e.Reply.IsCompleted));
        server.Gate.SetResult();
        Assert.Equal(42, (await held).Value);
        foreach ((byte[] sent, Task<XdrOpaque> reply) in echoes)
        {
            Assert.Equal(sent, (await reply).Value.ToArray());
        }
    }

    [Fact]
    public async Task Sixty_four_calls_in_flight_on_one_connection_all_get_their_own_reply()
    {
        await using ShmServer server = await ShmServer.StartAsync();
        await using RpcClient client = await server.ConnectAsync();
        for (int round = 0; round < 20; round++)
        {
            var calls = new Task<XdrOpaque>[64];
            for (int i = 0; i < calls.Length; i++)
            {
                calls[i] = client.CallAsync<XdrOpaque, XdrOpaque>(Echo, BitConverter.GetBytes(round * 64 + i), Ct).AsTask();
            }
            for (int i = 0; i < calls.Length; i++)
            {
                Assert.Equal(round * 64 + i, BitConverter.ToInt32((await calls[i]).Value.Span));
            }
        }
    }

    [Fact]
    public async Task Many_connections_are_served_at_once()
    {
        await using ShmServer server = await ShmServer.StartAsync();
        var clients = new RpcClient[32];
        for (int i = 0; i < clients.Length; i++)
        {
            clients[i] = await server.ConnectAsync();
        }
        Assert.Equal(32, server.Server.ConnectionCount);
        await Task.WhenAll(clients.Select((client, c) => Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                byte[] data = RingFixture.Pattern(1 + (c * 50 + i) % 2000, c * 1000 + i);
                byte[] reply = (i % 2 == 0
                    ? client.Call<XdrOpaque, XdrOpaque>(Echo, data, Ct)
                    : await client.CallAsync<XdrOpaque, XdrOpaque>(Echo, data, Ct)).Value.ToArray();
                Assert.Equal(data, reply);
            }
        }, Ct)));
        foreach (RpcClient client in clients)
        {
            await client.DisposeAsync();
        }
        await Eventually.ReachedAsync(() => server.Server.ConnectionCount == 0, "closed clients' connections end on the server");
    }

    [Fact]
    public async Task A_uid_outside_the_policy_is_refused_before_any_mapping()
    {
        var options = new RpcServerOptions();
        options.SharedMemory.AllowOwnUser = false;
        options.SharedMemory.AllowedUserIds.Add(ShmLibc.GetEffectiveUid() + 1);
        await using ShmServer server = await ShmServer.StartAsync(options);
        var e = await Assert.ThrowsAsync<RpcException>(() => server.ConnectAsync());
        Assert.Equal(RpcStatus.CannotBind, e.Status);
        Assert.Contains("refused", e.Message, StringComparison.Ordinal);
        await Eventually.ReachedAsync(() => server.Server.ConnectionCount == 0, "the refused connection is closed");
    }

    [Fact]
    public async Task A_uid_in_the_allow_list_is_admitted()
    {
        var options = new RpcServerOptions();
        options.SharedMemory.AllowOwnUser = false;
        options.SharedMemory.AllowedUserIds.Add(ShmLibc.GetEffectiveUid());
        await using ShmServer server = await ShmServer.StartAsync(options);
        await using RpcClient client = await server.ConnectAsync();
        Assert.Equal([7], client.Call<XdrOpaque, XdrOpaque>(Echo, new byte[] { 7 }, Ct).Value.ToArray());
    }

    [Fact]
    public async Task A_plain_unix_end_point_is_not_taken_for_a_shared_memory_one()
    {
        string path = Path.Combine(Path.GetTempPath(), $"oncrpc-shm-{Guid.NewGuid():N}.sock");
        await using var server = new RpcServer(new RpcServerOptions());
        server.ListenUnix(path);
        await server.StartAsync(Ct);
        var e = await Assert.ThrowsAsync<RpcException>(() => RpcClient.ConnectSharedMemoryAsync(path,
            new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(300) }, Ct));
        Assert.Equal(RpcStatus.CannotBind, e.Status);
    }

    [Fact]
    public async Task A_server_that_dies_mid_reply_fails_the_calls_in_flight_promptly()
    {
        // A fake server: hands over a mapping, reads the call, writes the start of a reply
        // record claiming 1000 bytes, then goes away (its socket closes as in a SIGKILL).
        await using var server = await SharedMemoryClientInPlaceTests.FakeServer.StartAsync(4096, TimeSpan.FromMinutes(5));
        Task<XdrOpaque> sync = Task.Run(() => server.Client.Call<XdrOpaque, XdrOpaque>(Echo, new byte[] { 1 }, Ct), Ct);
        Task<XdrOpaque> async = server.Client.CallAsync<XdrOpaque, XdrOpaque>(Echo, new byte[] { 2 }, Ct).AsTask();
        // Both calls must be in the ring before the server goes: a call begun after its death
        // watch fired would (rightly) reconnect first, and this fake end point never answers
        // a second handshake (CannotBind at the timeout instead of ConnectionLost). Each call
        // record: mark 4 + header 40 (AUTH_NONE) + opaque<1> 8.
        await Eventually.ReachedAsync(() => server.FromClient.Readable >= 2 * 52, "both calls arrive");
        byte[] partial = new byte[104];
        BinaryPrimitives.WriteUInt32BigEndian(partial, 0x8000_0000u | 1000);
        server.Write(partial);
        long before = Stopwatch.GetTimestamp();
        server.Die();
        var e1 = await Assert.ThrowsAsync<RpcException>(() => sync);
        var e2 = await Assert.ThrowsAsync<RpcException>(() => async);
        Assert.Equal(RpcStatus.ConnectionLost, e1.Status);
        Assert.Equal(RpcStatus.ConnectionLost, e2.Status);
        Assert.True(Stopwatch.GetElapsedTime(before) < TimeSpan.FromSeconds(10), "noticed at once, not at the call timeout");
    }

    [Fact]
    public async Task A_client_that_dies_mid_record_is_dropped_and_the_server_serves_on()
    {
        (ShmServer started, RawShmPeer peer) = await RawShmPeer.StartWithRingsAsync();
        await using ShmServer server = started;
        using (peer)
        {
            // The fake client writes part of a call record that claims far more than the ring
            // holds (so the server is left mid-record), then goes away.
            byte[] partial = new byte[3000];
            BinaryPrimitives.WriteUInt32BigEndian(partial, 0x8000_0000u | 100_000);
            peer.ToServer.WriteAll(partial, 1000);
            await Eventually.ReachedAsync(() => peer.ToServer.Readable == 0, "the server takes what came");
            Assert.Equal(1, server.Server.ConnectionCount);
        }
        await Eventually.ReachedAsync(() => server.Server.ConnectionCount == 0, "the dead client's connection ends");
        await using RpcClient client = await server.ConnectAsync();
        Assert.Equal([9], client.Call<XdrOpaque, XdrOpaque>(Echo, new byte[] { 9 }, Ct).Value.ToArray());
    }

    [Fact]
    public async Task A_call_in_flight_when_the_server_stops_hard_fails_with_connection_lost()
    {
        await using ShmServer server = await ShmServer.StartAsync();
        await using RpcClient client = await server.ConnectAsync();
        Task<XdrInt> held = client.CallAsync<XdrInt, XdrInt>(Hold, new XdrInt(1), Ct).AsTask();
        await Eventually.ReachedAsync(() => server.Server.Connections.Single().InFlight.Count == 1, "the call runs");
        await server.Server.StopAsync(new CancellationToken(canceled: true));
        var e = await Assert.ThrowsAsync<RpcException>(() => held);
        Assert.Equal(RpcStatus.ConnectionLost, e.Status);
    }

    [Fact]
    public async Task After_the_server_restarts_at_the_same_path_the_next_call_reconnects()
    {
        ShmServer first = await ShmServer.StartAsync();
        string path = first.Path;
        await using RpcClient client = await first.ConnectAsync();
        Assert.Equal([1], client.Call<XdrOpaque, XdrOpaque>(Echo, new byte[] { 1 }, Ct).Value.ToArray());
        StreamConnection connection = ((StreamRpcClient)client).Connection!;
        await first.DisposeAsync();
        await Eventually.ReachedAsync(() => connection.ProbeClosedWhileIdle(), "the client learns the server is gone");

        await using var second = new RpcServer();
        second.Dispatcher.Register<XdrOpaque, XdrOpaque>(Echo, static (data, _) => ValueTask.FromResult(data));
        second.ListenSharedMemory(path);
        await second.StartAsync(Ct);
        Assert.Equal([2], client.Call<XdrOpaque, XdrOpaque>(Echo, new byte[] { 2 }, Ct).Value.ToArray());
        Assert.Equal([3], (await client.CallAsync<XdrOpaque, XdrOpaque>(Echo, new byte[] { 3 }, Ct)).Value.ToArray());
        Assert.NotSame(connection, ((StreamRpcClient)client).Connection);
    }

    [Fact]
    public async Task A_client_that_dies_while_the_server_waits_for_ring_space_frees_the_server()
    {
        (ShmServer started, RawShmPeer peer) = await RawShmPeer.StartWithRingsAsync();
        await using ShmServer server = started;
        using (peer)
        {
            // The fake client sends an ECHO of 64 KiB and never reads: the server's reply fills
            // the 4 KiB server-to-client ring and its writer waits for space.
            byte[] call = RpcBytes.CallMessage(7, Echo.Program, Echo.Version, Echo.Procedure, XdrBytes.OpaqueOf(RingFixture.Pattern(64 * 1024, 5)));
            byte[] record = new byte[4 + call.Length];
            BinaryPrimitives.WriteUInt32BigEndian(record, 0x8000_0000u | (uint)call.Length);
            call.CopyTo(record, 4);
            await Task.Run(() => peer.ToServer.WriteAll(record, 10_000), Ct);
            await Eventually.ReachedAsync(() => peer.FromServer.Readable == 4096, "the reply fills the ring");
            Assert.Equal(1, server.Server.Connections.Single().InFlight.Count);
        }
        await Eventually.ReachedAsync(() => server.Server.ConnectionCount == 0, "the writer is woken and the connection ends");
        await using RpcClient client = await server.ConnectAsync();
        Assert.Equal([9], client.Call<XdrOpaque, XdrOpaque>(Echo, new byte[] { 9 }, Ct).Value.ToArray());
    }
}
