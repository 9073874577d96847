using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

public class AuthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] ExpectedAuthSysBody() => XdrBytes.Concat(
        XdrBytes.Words(0x12345678),           // stamp
        XdrBytes.StringOf("client-host"),     // machinename<255>
        XdrBytes.Words(1000), XdrBytes.Words(100),  // uid, gid
        XdrBytes.Words(2), XdrBytes.Words(4), XdrBytes.Words(27)); // gids<16>

    private static AuthSysCredentials Credentials() => RpcCredentials.Sys(0x12345678, "client-host", 1000, 100, [4, 27]);

    [Fact]
    public async Task Auth_sys_call_bytes_are_exact()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint,
            new RpcClientOptions { Credentials = Credentials() }, Ct);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 9, Ct);
        byte[] record = await peer.ReceiveMessageAsync();
        uint xid = XdrBytes.ReadU32(record, 0);
        byte[] expected = XdrBytes.Concat(
            XdrBytes.Words(xid), XdrBytes.Words(0), XdrBytes.Words(2), XdrBytes.Words(0x31234567), XdrBytes.Words(1), XdrBytes.Words(1),
            XdrBytes.Words(1), XdrBytes.OpaqueOf(ExpectedAuthSysBody()),
            XdrBytes.Words(0), XdrBytes.Words(0),
            XdrBytes.Int(9));
        Assert.Equal(expected, record);
        await peer.SendMessageAsync(RpcBytes.Success(xid, XdrBytes.Int(9)));
        Assert.Equal(9, (int)await call);
    }

    [Fact]
    public async Task Short_handle_is_used_after_an_auth_short_verifier_and_dropped_on_rejectedcred_with_one_retry()
    {
        AuthSysCredentials credentials = Credentials();
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, new RpcClientOptions { Credentials = credentials }, Ct);
        FakePeer peer = await server.AcceptAsync();
        byte[] handle = [0xAA, 0xBB, 0xCC, 0xDD, 0xEE];

        ValueTask<XdrInt> first = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct);
        ReceivedCall c1 = await peer.ReadCallAsync();
        Assert.Equal(1u, c1.CredentialFlavor);
        await peer.SendMessageAsync(RpcBytes.SuccessWithVerifier(c1.Xid, 2, handle, XdrBytes.Int(1)));
        Assert.Equal(1, (int)await first);

        ValueTask<XdrInt> second = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 2, Ct);
        ReceivedCall c2 = await peer.ReadCallAsync();
        Assert.Equal(2u, c2.CredentialFlavor);
        Assert.Equal(handle, c2.CredentialBody);
        await peer.SendMessageAsync(RpcBytes.AuthError(c2.Xid, 2)); // AUTH_REJECTEDCRED
        ReceivedCall retry = await peer.ReadCallAsync();
        Assert.Equal(1u, retry.CredentialFlavor);
        Assert.Equal(ExpectedAuthSysBody(), retry.CredentialBody);
        Assert.NotEqual(c2.Xid, retry.Xid);
        await peer.SendMessageAsync(RpcBytes.Success(retry.Xid, XdrBytes.Int(2)));
        Assert.Equal(2, (int)await second);
        Assert.Null(credentials.ShortHandle);
    }

    [Fact]
    public async Task A_rejected_retry_is_not_retried_again()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, new RpcClientOptions { Credentials = Credentials() }, Ct);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> first = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct);
        ReceivedCall c1 = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.SuccessWithVerifier(c1.Xid, 2, [1, 2, 3, 4], XdrBytes.Int(1)));
        await first;

        ValueTask<XdrInt> second = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 2, Ct);
        ReceivedCall shortCall = await peer.ReadCallAsync();
        Assert.Equal(2u, shortCall.CredentialFlavor);
        await peer.SendMessageAsync(RpcBytes.AuthError(shortCall.Xid, 2));
        ReceivedCall fullCall = await peer.ReadCallAsync();
        Assert.Equal(1u, fullCall.CredentialFlavor);
        await peer.SendMessageAsync(RpcBytes.AuthError(fullCall.Xid, 2));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await second);
        Assert.Equal((RpcStatus.AuthError, AuthStat.RejectedCred), (e.Status, e.AuthStat));
        Assert.True(await peer.ReceivesNothingAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Short_handles_are_ignored_when_turned_off()
    {
        var credentials = RpcCredentials.Sys(1, "h", 0, 0, useShortHandles: false);
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, new RpcClientOptions { Credentials = credentials }, Ct);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> first = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct);
        ReceivedCall c1 = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.SuccessWithVerifier(c1.Xid, 2, [9, 9, 9, 9], XdrBytes.Int(1)));
        await first;
        ValueTask<XdrInt> second = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct);
        Assert.Equal(1u, (await peer.ReadCallAsync()).CredentialFlavor);
        _ = second;
    }

    [Fact]
    public void Auth_sys_limits_are_enforced()
    {
        Assert.ThrowsAny<Exception>(() => RpcCredentials.Sys(1, "h", 0, 0, Enumerable.Range(0, 17).Select(i => (uint)i).ToArray()));
        Assert.ThrowsAny<Exception>(() => RpcCredentials.Sys(1, new string('m', 256), 0, 0));
    }
}
