using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Rpcbind;

/// <summary>tcp6/udp6 end to end on ::1: registrations under the IPv6 netids, GETADDR answered
/// for the netid of the transport asked over, wildcard [::] merged to ::1.</summary>
public sealed class RpcbindIPv6Tests
{
    [Fact]
    public async Task Tcp6AndUdp6RegistrationsResolveOverIPv6()
    {
        if (!Socket.OSSupportsIPv6)
        {
            Assert.Skip("no IPv6 on this machine");
        }
        CancellationToken ct = TestContext.Current.CancellationToken;
        var rpcbind = new RpcbindServer();
        await using var host = new RpcServer();
        host.Dispatcher.Add(rpcbind);
        host.ListenTcp(new IPEndPoint(IPAddress.IPv6Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        await host.StartAsync(ct);
        rpcbind.RegisterSelf(host.EndPoints);
        Assert.DoesNotContain(rpcbind.Registrations, m => m.Version == 2);   // the port mapper has no IPv6

        var echo = new RpcProcedureDescriptor(0x20000102, 1, 1);
        await using var target = new RpcServer();
        target.Dispatcher.Register<XdrInt, XdrInt>(echo, (x, _) => ValueTask.FromResult(x));
        target.ListenTcp(new IPEndPoint(IPAddress.IPv6Any, 0)).ListenUdp(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        await target.StartAsync(ct);
        var rpcbindTcp = host.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint;
        var registration = new RpcbindRegistration(
            RpcbindRegistration.MappingsFor(target.Dispatcher.ProgramVersions(), target.EndPoints),
            new RpcbindRegistrationOptions { RpcbindEndPoint = rpcbindTcp });
        Assert.All(await registration.RegisterAsync(ct), r => Assert.True(r.Registered, r.Error));
        Assert.Equal(["tcp6", "udp6"], rpcbind.Registrations.Where(m => m.Program == echo.Program).Select(m => m.Netid));

        var targetTcp = (IPEndPoint)target.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint;
        var targetUdp = (IPEndPoint)target.EndPoints.First(e => e.Transport == RpcTransportKind.Udp).EndPoint;
        var options = new RpcClientOptions { Timeout = TimeSpan.FromSeconds(5) };
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, targetTcp.Port),
            await RpcbindClient.ResolveAtAsync(rpcbindTcp, IPAddress.IPv6Loopback, echo.Program, 1, "tcp6", RpcTransportKind.Tcp, options, ct));
        var rpcbindUdp = host.EndPoints.First(e => e.Transport == RpcTransportKind.Udp).EndPoint;
        Assert.Equal(targetUdp,
            await RpcbindClient.ResolveAtAsync(rpcbindUdp, IPAddress.IPv6Loopback, echo.Program, 1, "udp6", RpcTransportKind.Udp, options, ct));

        await using RpcbindClient client = await RpcbindClient.ConnectAsync(rpcbindTcp, RpcTransportKind.Tcp, options, ct);
        Assert.Equal($"::1.{targetTcp.Port >> 8}.{targetTcp.Port & 255}", await client.GetAddressAsync(echo.Program, 1, "udp6", 4, ct));
        Assert.Empty(await registration.UnregisterAsync(ct));
    }
}
