using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

public class ErrorReplyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, RpcStatus, uint, uint, AuthStat> Cases => new()
    {
        { "prog_unavail", RpcStatus.ProgramUnavailable, 0, 0, AuthStat.Ok },
        { "prog_mismatch", RpcStatus.ProgramMismatch, 2, 4, AuthStat.Ok },
        { "proc_unavail", RpcStatus.ProcedureUnavailable, 0, 0, AuthStat.Ok },
        { "garbage_args", RpcStatus.GarbageArguments, 0, 0, AuthStat.Ok },
        { "system_err", RpcStatus.SystemError, 0, 0, AuthStat.Ok },
        { "rpc_mismatch", RpcStatus.RpcMismatch, 2, 2, AuthStat.Ok },
        { "auth_tooweak", RpcStatus.AuthError, 0, 0, AuthStat.TooWeak },
        { "auth_badcred", RpcStatus.AuthError, 0, 0, AuthStat.BadCred },
        { "auth_rejectedcred", RpcStatus.AuthError, 0, 0, AuthStat.RejectedCred },
    };

    private static byte[] Reply(string kind, uint xid) => kind switch
    {
        "prog_unavail" => RpcBytes.Accepted(xid, 1),
        "prog_mismatch" => RpcBytes.ProgramMismatch(xid, 2, 4),
        "proc_unavail" => RpcBytes.Accepted(xid, 3),
        "garbage_args" => RpcBytes.Accepted(xid, 4),
        "system_err" => RpcBytes.Accepted(xid, 5),
        "rpc_mismatch" => RpcBytes.RpcMismatch(xid, 2, 2),
        "auth_tooweak" => RpcBytes.AuthError(xid, 5),
        "auth_badcred" => RpcBytes.AuthError(xid, 1),
        "auth_rejectedcred" => RpcBytes.AuthError(xid, 2),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_error_reply_maps_to_its_status_over_tcp(string kind, RpcStatus status, uint low, uint high, AuthStat authStat)
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        await peer.SendMessageAsync(Reply(kind, received.Xid));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal((status, low, high, authStat), (e.Status, e.Low, e.High, e.AuthStat));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_error_reply_maps_to_its_status_over_udp(string kind, RpcStatus status, uint low, uint high, AuthStat authStat)
    {
        using var server = new FakeUdpServer();
        await using RpcClient client = RpcClient.CreateUdp(server.EndPoint);
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 1, Ct);
        var (received, from, _) = await server.ReceiveCallAsync();
        await server.SendAsync(Reply(kind, received.Xid), from);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal((status, low, high, authStat), (e.Status, e.Low, e.High, e.AuthStat));
    }

    private readonly record struct ThrowingResult : IXdrSerializable<ThrowingResult>
    {
        public static ThrowingResult ReadFrom(ref XdrReader reader) => throw new InvalidOperationException("hand-written decoder bug");

        public void WriteTo(ref XdrWriter writer)
        {
        }
    }

    [Fact]
    public async Task A_result_decoder_that_throws_fails_only_its_call()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<ThrowingResult> call = client.CallAsync<XdrInt, ThrowingResult>(TcpClientTests.Echo, 1, Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(1)));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(RpcStatus.CannotDecodeReply, e.Status);
        Assert.IsType<InvalidOperationException>(e.InnerException);

        ValueTask<XdrInt> next = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 2, Ct);
        received = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(2)));
        Assert.Equal(2, (int)await next);
    }
}
