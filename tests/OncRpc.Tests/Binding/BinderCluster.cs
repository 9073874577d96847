using System.Net;
using System.Net.Sockets;
using OncRpc.Binding;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Binding;

/// <summary>Several of our servers of one program on loopback, each counting the calls it ran;
/// any one can be killed (hard stop: connections reset at once) and started again on its port.</summary>
internal sealed class BinderCluster : IAsyncDisposable
{
    public const uint Program = 0x20000B11;
    public const uint Version = 1;

    /// <summary>Returns its argument; idempotent.</summary>
    public static readonly RpcProcedureDescriptor Echo = new(Program, Version, 1, ProcedureName: "ECHO");

    /// <summary>At-most-once; waits for <see cref="ReleaseAppends"/> when <see cref="HoldAppends"/> is set.</summary>
    public static readonly RpcProcedureDescriptor Append = new(Program, Version, 2, ProcedureName: "APPEND") { Semantics = RpcCallSemantics.AtMostOnce };

    /// <summary>One-way (maybe): counted, never answered.</summary>
    public static readonly RpcProcedureDescriptor Note = new(Program, Version, 3, ProcedureName: "NOTE") { Semantics = RpcCallSemantics.Maybe };

    private readonly RpcServer?[] _servers;
    private readonly IPEndPoint[] _endPoints;
    private readonly int[] _echoes;
    private readonly int[] _appends;
    private readonly int[] _notes;
    private readonly RpcInstanceMetadata[] _metadata;

    public BinderCluster(int count, Func<int, RpcInstanceMetadata>? metadata = null)
    {
        _servers = new RpcServer?[count];
        _endPoints = new IPEndPoint[count];
        _echoes = new int[count];
        _appends = new int[count];
        _notes = new int[count];
        _metadata = [.. Enumerable.Range(0, count).Select(i => metadata?.Invoke(i) ?? RpcInstanceMetadata.Default)];
    }

    public bool HoldAppends { get; set; }

    /// <summary>Registries each server exports to when it starts (none by default).</summary>
    public Func<IEnumerable<IRpcExporter>>? Exporters { get; init; }

    public TaskCompletionSource<int> AppendArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Count => _servers.Length;

    public int Echoes(int server) => Volatile.Read(ref _echoes[server]);

    public int Appends(int server) => Volatile.Read(ref _appends[server]);

    public int Notes(int server) => Volatile.Read(ref _notes[server]);

    public IPEndPoint EndPoint(int server) => _endPoints[server];

    public string Id(int server) => $"server-{server}";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < Count; i++)
        {
            await StartAsync(i, cancellationToken);
        }
    }

    /// <summary>Starts server <paramref name="index"/>, on its former port when it had one.</summary>
    public async Task StartAsync(int index, CancellationToken cancellationToken)
    {
        var options = new RpcServerOptions { InstanceId = Id(index), InstanceMetadata = _metadata[index], EventLoopThreads = 0 };
        foreach (IRpcExporter exporter in Exporters?.Invoke() ?? [])
        {
            options.Exporters.Add(exporter);
        }
        var server = new RpcServer(options);
        server.Dispatcher.Register<XdrInt, XdrInt>(Echo, (x, _) =>
        {
            Interlocked.Increment(ref _echoes[index]);
            return ValueTask.FromResult(x);
        });
        server.Dispatcher.Register<XdrInt, XdrInt>(Append, async (x, context) =>
        {
            Interlocked.Increment(ref _appends[index]);
            if (HoldAppends)
            {
                AppendArrived.TrySetResult(index);
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            return x;
        });
        server.Dispatcher.Register<XdrInt, XdrVoid>(Note, (_, _) =>
        {
            Interlocked.Increment(ref _notes[index]);
            return ValueTask.FromResult(default(XdrVoid));
        });
        server.ListenTcp(_endPoints[index] ?? new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(cancellationToken);
        _endPoints[index] = (IPEndPoint)server.EndPoints[0].EndPoint;
        _servers[index] = server;
    }

    /// <summary>Stops server <paramref name="index"/> hard: calls in flight are cut, connections
    /// reset, the port closed, as when the process dies.</summary>
    public async Task KillAsync(int index)
    {
        RpcServer server = _servers[index]!;
        _servers[index] = null;
        await server.StopAsync(new CancellationToken(canceled: true));
        await server.DisposeAsync();
    }

    /// <summary>The instances the servers export (what a registry would hold).</summary>
    public RpcInstance[] Instances() =>
        [.. Enumerable.Range(0, Count).Select(i => new RpcInstance(Id(i), Program, Version,
            [new RpcInstanceEndpoint(RpcTransportKind.Tcp, _endPoints[i])], _metadata[i]))];

    /// <summary>A loopback port nobody listens on (bound, then closed).</summary>
    public static IPEndPoint ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (RpcServer? server in _servers)
        {
            if (server is not null)
            {
                await server.StopAsync(new CancellationToken(canceled: true));
                await server.DisposeAsync();
            }
        }
    }
}
