using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

public class UnixClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Calls_cross_a_unix_socket_with_record_marking()
    {
        await using var server = FakeStreamServer.Unix();
        await using RpcClient client = await RpcClient.ConnectUnixAsync(server.UnixPath!, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrString> call = client.CallAsync<XdrString, XdrString>(TcpClientTests.Echo, "local", Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        Assert.Equal(XdrBytes.StringOf("local"), received.Arguments);
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.StringOf("ok")));
        Assert.Equal("ok", (string)await call);
    }

    [Fact]
    public async Task A_missing_socket_file_is_cannot_bind()
    {
        string path = Path.Combine(Path.GetTempPath(), $"oncrpc-missing-{Guid.NewGuid():N}.sock");
        var e = await Assert.ThrowsAsync<RpcException>(() => RpcClient.ConnectUnixAsync(path, cancellationToken: Ct));
        Assert.Equal(RpcStatus.CannotBind, e.Status);
    }

    [Fact]
    public async Task Misuse_is_reported_with_argument_exceptions()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => RpcClient.ConnectTcpAsync(new UnixDomainSocketEndPoint("/x"), cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            RpcClient.ConnectTcpAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1), new RpcClientOptions { Timeout = TimeSpan.Zero }, Ct));
        Assert.Throws<ArgumentOutOfRangeException>(() => RpcClient.CreateUdp(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1),
            new RpcClientOptions { RetransmitInterval = TimeSpan.FromSeconds(10), MaxRetransmitInterval = TimeSpan.FromSeconds(1) }));
    }
}
