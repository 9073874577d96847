using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

/// <summary><see cref="RpcClient.CreateTcp"/> and <see cref="RpcClient.CreateUnix"/> connect on the
/// first call, not when made (for dependency-injection factories, which may not block).</summary>
public sealed class LazyConnectTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateTcp_connects_on_the_first_call()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = RpcClient.CreateTcp(server.EndPoint);
        Task<FakePeer> accepted = server.AcceptAsync();
        Assert.False(accepted.IsCompleted);

        ValueTask<XdrInt> call = client.CallAsync<XdrString, XdrInt>(TcpClientTests.Echo, "hi", Ct);
        FakePeer peer = await accepted;
        ReceivedCall received = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(42)));

        Assert.Equal(42, (int)await call);
    }

    [Fact]
    public async Task CreateTcp_reports_a_refused_connection_from_the_first_call()
    {
        await using RpcClient client = RpcClient.CreateTcp(TcpClientTests.RefusedEndPoint());

        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrString, XdrInt>(TcpClientTests.Echo, "hi", Ct));

        Assert.Equal(RpcStatus.CannotBind, e.Status);
    }

    [Fact]
    public void Create_checks_its_arguments()
    {
        Assert.Throws<ArgumentException>(() => RpcClient.CreateTcp(new UnixDomainSocketEndPoint("/tmp/x.sock")));
        Assert.Throws<ArgumentException>(() => RpcClient.CreateUnix(""));
    }
}
