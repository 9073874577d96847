using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using OncRpc.Binding;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Xdr;

using OncRpc.Tests.Support;

namespace OncRpc.Tests.Binding;

/// <summary>The view follows the resolver: instances that appear are used, instances that go
/// away are left; the embedded rpcbind backend finds servers through each host's rpcbind.</summary>
public sealed class ResolverTests : IAsyncLifetime
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private readonly BinderCluster _cluster = new(3);

    public async ValueTask InitializeAsync() => await _cluster.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    /// <summary>A registry the test changes by hand.</summary>
    private sealed class PushedResolver : IRpcResolver
    {
        public Channel<IReadOnlyList<RpcInstance>> Views { get; } = Channel.CreateUnbounded<IReadOnlyList<RpcInstance>>();

        public async IAsyncEnumerable<IReadOnlyList<RpcInstance>> WatchAsync(uint program, uint version,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (IReadOnlyList<RpcInstance> view in Views.Reader.ReadAllAsync(cancellationToken))
            {
                yield return view;
            }
        }
    }

    [Fact]
    public async Task Instances_that_appear_are_used_and_instances_that_leave_are_not()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        var resolver = new PushedResolver();
        RpcInstance[] all = _cluster.Instances();
        await using RpcImportedClient client = RpcBinder.Import(resolver, BinderCluster.Program, BinderCluster.Version,
            new RpcImportOptions { Policy = RpcBalancingPolicy.RoundRobin, HealthCheckInterval = Timeout.InfiniteTimeSpan });

        Task<XdrInt> first = client.CallAsync<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(1), ct).AsTask();
        Assert.False(first.IsCompleted); // no view yet: the call waits for one
        resolver.Views.Writer.TryWrite([all[0]]);
        Assert.Equal(1, (await first.WaitAsync(s_bound, ct)).Value);

        resolver.Views.Writer.TryWrite(all);
        await WaitForViewAsync(client, 3);
        for (int i = 0; i < 30; i++)
        {
            await client.CallAsync<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(i), ct);
        }
        Assert.Equal([11, 10, 10], Enumerable.Range(0, 3).Select(_cluster.Echoes));

        resolver.Views.Writer.TryWrite([all[1], all[2]]);
        await WaitForViewAsync(client, 2);
        for (int i = 0; i < 10; i++)
        {
            await client.CallAsync<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(i), ct);
        }
        Assert.Equal(11, _cluster.Echoes(0));
        Assert.Equal(40, Enumerable.Range(0, 3).Sum(_cluster.Echoes) - 1);
    }

    [Fact]
    public async Task The_rpcbind_backend_finds_one_server_per_host_and_notices_an_unregistration()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        // Two "hosts": two rpcbinds, each on its own Unix socket, each with one server registered.
        var rpcbinds = new List<RpcServer>();
        var sockets = new List<string>();
        var servers = new List<RpcServer>();
        try
        {
            for (int host = 0; host < 2; host++)
            {
                string path = Path.Combine(Path.GetTempPath(), $"oncrpc-binder-{Guid.NewGuid():N}.sock");
                var rpcbind = new RpcServer();
                rpcbind.Dispatcher.Add(new RpcbindServer());
                rpcbind.ListenUnix(path);
                await rpcbind.StartAsync(ct);
                rpcbinds.Add(rpcbind);
                sockets.Add(path);

                var server = new RpcServer(new RpcServerOptions
                {
                    Exporters = { new RpcbindExporter(new RpcbindRegistrationOptions { RpcbindEndPoint = new UnixDomainSocketEndPoint(path) }) },
                });
                server.Dispatcher.Register<XdrInt, XdrInt>(BinderCluster.Echo, (x, _) => ValueTask.FromResult(x));
                server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
                await server.StartAsync(ct);
                servers.Add(server);
            }

            var resolver = new RpcbindResolver(sockets.Select(s => (EndPoint)new UnixDomainSocketEndPoint(s)))
            {
                RefreshInterval = TimeSpan.FromMilliseconds(50),
            };
            await using RpcImportedClient client = RpcBinder.Import(resolver, BinderCluster.Program, BinderCluster.Version,
                new RpcImportOptions { Policy = RpcBalancingPolicy.RoundRobin, HealthCheckInterval = Timeout.InfiniteTimeSpan });
            Assert.Equal(5, (await client.CallAsync<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(5), ct)).Value);
            await WaitForViewAsync(client, 2);
            Assert.Equal(
                servers.Select(s => s.EndPoints[0].EndPoint.ToString()).Order(),
                client.Instances.Select(i => i.Instance.Endpoints[0].EndPoint.ToString()).Order());

            await servers[0].StopAsync(ct); // unregisters from its rpcbind
            await WaitForViewAsync(client, 1);
            Assert.Equal(servers[1].EndPoints[0].EndPoint.ToString(), client.Instances[0].Instance.Endpoints[0].EndPoint.ToString());
        }
        finally
        {
            foreach (RpcServer server in servers.Concat(rpcbinds))
            {
                await server.DisposeAsync();
            }
        }
    }

    private static Task WaitForViewAsync(RpcImportedClient client, int count) =>
        Eventually.ReachedAsync(() => client.Instances.Count == count, $"a view of {count} instances");
}
