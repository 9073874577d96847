using System.Net;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.EndToEnd;

public class ReconnectTests
{
    private static readonly RpcProcedureDescriptor Echo = new(0x20000078, 1, 1);

    [Fact]
    public async Task A_restarted_server_is_reached_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = new RpcServer();
        first.Dispatcher.Register<XdrInt, XdrInt>(Echo, (n, _) => ValueTask.FromResult(n));
        first.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        await first.StartAsync(ct);
        var endPoint = (IPEndPoint)first.EndPoints[0].EndPoint;
        await using RpcClient client = await RpcClient.ConnectTcpAsync(endPoint, cancellationToken: ct);
        Assert.Equal(1, (int)await client.CallAsync<XdrInt, XdrInt>(Echo, 1, ct));
        await first.DisposeAsync();

        var down = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrInt, XdrInt>(Echo, 2, ct));
        Assert.True(down.Status is RpcStatus.ConnectionLost or RpcStatus.CannotBind, down.Status.ToString());

        await using var second = new RpcServer();
        second.Dispatcher.Register<XdrInt, XdrInt>(Echo, (n, _) => ValueTask.FromResult(n));
        second.ListenTcp(endPoint);
        await second.StartAsync(ct);
        Assert.Equal(3, (int)await client.CallAsync<XdrInt, XdrInt>(Echo, 3, ct));
    }
}
