using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

/// <summary>RpcClient.Call fails as CallAsync does: timeouts, cancellation, lost connections,
/// error replies, retransmission and the AUTH_SHORT retry.</summary>
public class SyncCallFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<T> OnThread<T>(Func<T> body) => SyncCallTests.OnThread(body);

    private static int SyncEcho(RpcClient client, int value, CancellationToken cancellationToken) =>
        client.Call<XdrInt, XdrInt>(TcpClientTests.Echo, value, cancellationToken).Value;

    [Fact]
    public async Task A_server_that_never_answers_times_the_call_out_within_bound()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint,
            new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(300) }, Ct);
        FakePeer peer = await server.AcceptAsync();
        var watch = Stopwatch.StartNew();
        var e = await OnThread(() => Assert.Throws<RpcException>(() => SyncEcho(client, 1, Ct)));
        watch.Stop();
        Assert.Equal(RpcStatus.TimedOut, e.Status);
        Assert.InRange(watch.ElapsedMilliseconds, 250, 2000);
        await peer.ReadCallAsync();
    }

    [Fact]
    public async Task A_sync_call_into_a_server_that_stops_reading_fails_within_bound()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint,
            new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(500) }, Ct);
        using FakePeer peer = await server.AcceptAsync(); // never reads
        byte[] big = new byte[64 * 1024 * 1024]; // more than loopback socket buffers hold
        var watch = Stopwatch.StartNew();
        var e = await OnThread(() => Assert.Throws<RpcException>(() => client.Call<XdrOpaque, XdrVoid>(TcpClientTests.Echo, big, Ct)))
            .WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.True(e.Status is RpcStatus.TimedOut or RpcStatus.ConnectionLost, e.Status.ToString());
        Assert.InRange(watch.ElapsedMilliseconds, 400, 5000);
    }

    [Fact]
    public async Task Cancellation_while_blocked_throws_OperationCanceledException_for_leader_and_waiter()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        using var cts = new CancellationTokenSource();
        Task<Exception> leader = OnThread(() => Record.Exception(() => SyncEcho(client, 1, cts.Token))!);
        ReceivedCall first = await peer.ReadCallAsync();
        Task<Exception> waiter = OnThread(() => Record.Exception(() => SyncEcho(client, 2, cts.Token))!);
        await peer.ReadCallAsync();
        await SyncCallTests.LeaderReadsAsync(client);
        var watch = Stopwatch.StartNew();
        cts.Cancel();
        Assert.IsAssignableFrom<OperationCanceledException>(await leader.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.IsAssignableFrom<OperationCanceledException>(await waiter.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.True(watch.ElapsedMilliseconds < 2000, $"took {watch.ElapsedMilliseconds} ms");

        // The late reply is dropped and the client keeps working.
        await peer.SendMessageAsync(RpcBytes.Success(first.Xid, XdrBytes.Int(1)));
        Task<int> next = OnThread(() => SyncEcho(client, 3, Ct));
        ReceivedCall third = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(third.Xid, XdrBytes.Int(3)));
        Assert.Equal(3, await next.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Throws<OperationCanceledException>(() => SyncEcho(client, 4, cts.Token)); // already cancelled
    }

    [Fact]
    public async Task Connection_closed_during_a_sync_call_is_connection_lost_and_the_next_call_reconnects()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        Task<Exception> call = OnThread(() => Record.Exception(() => SyncEcho(client, 1, Ct))!);
        await peer.ReadCallAsync();
        peer.Abort();
        var e = Assert.IsType<RpcException>(await call.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(RpcStatus.ConnectionLost, e.Status);

        Task<int> next = OnThread(() => SyncEcho(client, 2, Ct));
        FakePeer second = await server.AcceptAsync();
        ReceivedCall received = await second.ReadCallAsync();
        await second.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(2)));
        Assert.Equal(2, await next.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    public static TheoryData<string, RpcStatus> ErrorReplies => new()
    {
        { "prog_unavail", RpcStatus.ProgramUnavailable },
        { "prog_mismatch", RpcStatus.ProgramMismatch },
        { "proc_unavail", RpcStatus.ProcedureUnavailable },
        { "garbage_args", RpcStatus.GarbageArguments },
        { "rpc_mismatch", RpcStatus.RpcMismatch },
        { "auth_error", RpcStatus.AuthError },
    };

    private static byte[] ErrorReply(string kind, uint xid) => kind switch
    {
        "prog_unavail" => RpcBytes.Accepted(xid, 1),
        "prog_mismatch" => RpcBytes.ProgramMismatch(xid, 2, 4),
        "proc_unavail" => RpcBytes.Accepted(xid, 3),
        "garbage_args" => RpcBytes.Accepted(xid, 4),
        "rpc_mismatch" => RpcBytes.RpcMismatch(xid, 2, 2),
        _ => RpcBytes.AuthError(xid, 5), // AUTH_TOOWEAK
    };

    [Theory]
    [MemberData(nameof(ErrorReplies))]
    public async Task Error_replies_surface_as_they_do_for_async_calls(string kind, RpcStatus expected)
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        Task<Exception> sync = OnThread(() => Record.Exception(() => SyncEcho(client, 1, Ct))!);
        await peer.SendMessageAsync(ErrorReply(kind, (await peer.ReadCallAsync()).Xid));
        var syncError = Assert.IsType<RpcException>(await sync.WaitAsync(TimeSpan.FromSeconds(5), Ct));

        ValueTask<XdrInt> asyncCall = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct);
        await peer.SendMessageAsync(ErrorReply(kind, (await peer.ReadCallAsync()).Xid));
        var asyncError = await Assert.ThrowsAsync<RpcException>(async () => await asyncCall);

        Assert.Equal(expected, syncError.Status);
        Assert.Equal((asyncError.Status, asyncError.AuthStat, asyncError.Message), (syncError.Status, syncError.AuthStat, syncError.Message));
    }

    [Fact]
    public async Task Udp_sync_calls_are_retransmitted_with_the_same_xid()
    {
        using var server = new FakeUdpServer();
        await using RpcClient client = RpcClient.CreateUdp(server.EndPoint, new RpcClientOptions
        {
            RetransmitInterval = TimeSpan.FromMilliseconds(100),
            Timeout = TimeSpan.FromSeconds(10),
        });
        Task<int> call = OnThread(() => SyncEcho(client, 5, Ct));
        var (dropped, _, _) = await server.ReceiveCallAsync(); // the first datagram is "lost"
        var (retransmitted, from, _) = await server.ReceiveCallAsync();
        Assert.Equal(dropped.Xid, retransmitted.Xid);
        await server.SendAsync(RpcBytes.Success(retransmitted.Xid, XdrBytes.Int(6)), from);
        Assert.Equal(6, await call.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task Udp_sync_call_to_a_closed_port_is_cannot_bind()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }
        await using RpcClient client = RpcClient.CreateUdp(new IPEndPoint(IPAddress.Loopback, port),
            new RpcClientOptions { Timeout = TimeSpan.FromSeconds(5), RetransmitInterval = TimeSpan.FromMilliseconds(200) });
        var e = await OnThread(() => Assert.Throws<RpcException>(() => SyncEcho(client, 1, Ct)));
        Assert.Equal(RpcStatus.CannotBind, e.Status);
    }

    [Fact]
    public async Task Auth_short_rejectedcred_is_retried_once_with_the_full_credential()
    {
        var credentials = RpcCredentials.Sys(0x12345678, "client-host", 1000, 100, [4, 27]);
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, new RpcClientOptions { Credentials = credentials }, Ct);
        FakePeer peer = await server.AcceptAsync();
        byte[] handle = [0xAA, 0xBB, 0xCC, 0xDD, 0xEE];

        Task<int> first = OnThread(() => SyncEcho(client, 1, Ct));
        ReceivedCall c1 = await peer.ReadCallAsync();
        Assert.Equal(1u, c1.CredentialFlavor);
        await peer.SendMessageAsync(RpcBytes.SuccessWithVerifier(c1.Xid, 2, handle, XdrBytes.Int(1)));
        Assert.Equal(1, await first.WaitAsync(TimeSpan.FromSeconds(5), Ct));

        Task<int> second = OnThread(() => SyncEcho(client, 2, Ct));
        ReceivedCall c2 = await peer.ReadCallAsync();
        Assert.Equal(2u, c2.CredentialFlavor);
        Assert.Equal(handle, c2.CredentialBody);
        await peer.SendMessageAsync(RpcBytes.AuthError(c2.Xid, 2)); // AUTH_REJECTEDCRED
        ReceivedCall retry = await peer.ReadCallAsync();
        Assert.Equal(1u, retry.CredentialFlavor);
        Assert.NotEqual(c2.Xid, retry.Xid);
        await peer.SendMessageAsync(RpcBytes.Success(retry.Xid, XdrBytes.Int(2)));
        Assert.Equal(2, await second.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Null(credentials.ShortHandle);
    }
}
