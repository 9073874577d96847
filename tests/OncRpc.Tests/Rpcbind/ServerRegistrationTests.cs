using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Rpcbind;

/// <summary><see cref="RpcbindExporter"/> in <see cref="RpcServerOptions.Exporters"/>: a server registers what it serves when it
/// starts and unregisters when it stops, against our rpcbind hosted on a Unix socket.</summary>
public sealed class ServerRegistrationTests : IAsyncLifetime
{
    private const uint TestProgram = 0x20000102;
    private readonly string _socketPath = Path.Combine(Path.GetTempPath(), $"oncrpc-reg-{Guid.NewGuid():N}.sock");
    private readonly RpcbindServer _rpcbind = new();
    private RpcServer _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = new RpcServer();
        _host.Dispatcher.Add(_rpcbind);
        _host.ListenUnix(_socketPath);
        await _host.StartAsync();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private RpcServer NewTarget(EndPoint rpcbind)
    {
        var target = new RpcServer(new RpcServerOptions
        {
            Exporters = { new RpcbindExporter(new RpcbindRegistrationOptions { RpcbindEndPoint = rpcbind }) },
        });
        target.Dispatcher.Register<XdrInt, XdrInt>(new RpcProcedureDescriptor(TestProgram, 1, 1), (x, _) => ValueTask.FromResult(x));
        target.Dispatcher.Register<XdrInt, XdrInt>(new RpcProcedureDescriptor(TestProgram, 2, 1), (x, _) => ValueTask.FromResult(x));
        target.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        return target;
    }

    [Fact]
    public async Task StartRegistersEveryVersionAndTransportAndStopRemovesThem()
    {
        await using RpcServer target = NewTarget(new UnixDomainSocketEndPoint(_socketPath));
        await target.StartAsync(TestContext.Current.CancellationToken);

        var export = Assert.IsType<RpcbindExport>(Assert.Single(target.Exports));
        Assert.Equal(4, export.Results.Count);
        Assert.All(export.Results, r => Assert.True(r.Registered, r.Error));
        Assert.Equal([1u, 2u], export.Instances.Select(i => i.Version).Order());
        var tcp = (IPEndPoint)target.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint;
        var udp = (IPEndPoint)target.EndPoints.First(e => e.Transport == RpcTransportKind.Udp).EndPoint;
        foreach (uint version in new uint[] { 1, 2 })
        {
            Assert.Contains(_rpcbind.Registrations, m => m.Program == TestProgram && m.Version == version
                && m.Netid == "tcp" && m.Address == UniversalAddress.Format(tcp));
            Assert.Contains(_rpcbind.Registrations, m => m.Program == TestProgram && m.Version == version
                && m.Netid == "udp" && m.Address == UniversalAddress.Format(udp));
        }

        await target.StopAsync(TestContext.Current.CancellationToken);
        Assert.Empty(target.Exports);
        Assert.DoesNotContain(_rpcbind.Registrations, m => m.Program == TestProgram);
    }

    [Fact]
    public async Task UnreachableRpcbindFailsTheStartAndLeavesNothingListening()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"oncrpc-none-{Guid.NewGuid():N}.sock");
        await using RpcServer target = NewTarget(new UnixDomainSocketEndPoint(missing));

        var error = await Assert.ThrowsAsync<RpcException>(() => target.StartAsync(TestContext.Current.CancellationToken));
        Assert.Equal(RpcStatus.CannotBind, error.Status);

        // The ports it bound are closed again: a client cannot connect.
        var tcp = target.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint;
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            RpcClient client = await RpcClient.ConnectTcpAsync(tcp, cancellationToken: TestContext.Current.CancellationToken);
            await client.DisposeAsync();
        });
        Assert.Equal(RpcStatus.CannotBind, refused.Status);
    }
}
