using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OncRpc.Hosting.Internal;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Transport;

namespace OncRpc.Hosting;

/// <summary>
/// The hosted <see cref="RpcServer"/>: built, bound and started when the host starts, stopped
/// gracefully when it stops. The stop lets calls in flight finish and send their replies; the
/// host's shutdown timeout (<c>HostOptions.ShutdownTimeout</c>, 30 seconds by default) bounds that drain, after
/// which the remaining calls' tokens fire and connections close.
/// </summary>
public sealed class RpcServerHost : IHostedService, IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly IOptions<RpcServerHostOptions> _options;
    private readonly IEnumerable<RpcServiceRegistration> _registrations;
    private readonly IEnumerable<RpcServerConfiguration> _configurations;
    private readonly ILoggerFactory _loggerFactory;
    private RpcServer? _server;
    private volatile bool _running;

    internal RpcServerHost(IServiceProvider services, IOptions<RpcServerHostOptions> options,
        IEnumerable<RpcServiceRegistration> registrations, IEnumerable<RpcServerConfiguration> configurations,
        ILoggerFactory loggerFactory)
    {
        _services = services;
        _options = options;
        _registrations = registrations;
        _configurations = configurations;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The server once the host started; null before.</summary>
    public RpcServer? Server => _server;

    /// <summary>Whether the server is serving: started and not yet stopping.</summary>
    public bool IsRunning => _running;

    /// <summary>Builds the server from the validated options, adds the services, binds every
    /// listener and registers with rpcbind when asked. A listener that cannot be bound, or an
    /// unreachable rpcbind, fails the host's start.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            throw new InvalidOperationException("the hosted ONC RPC server was already started");
        }
        RpcServerHostOptions hostOptions = _options.Value;
        RpcServerOptions serverOptions = ServerOptions(hostOptions);
        foreach (RpcServerConfiguration configuration in _configurations)
        {
            configuration.Configure(serverOptions);
        }
        var server = new RpcServer(serverOptions, _loggerFactory);
        foreach (RpcServiceRegistration registration in _registrations)
        {
            registration.Register(_services, server.Dispatcher);
        }
        foreach (RpcListenerOptions listener in hostOptions.Listeners)
        {
            Listen(server, listener);
        }
        _server = server;
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        _running = true;
    }

    /// <summary>Stops gracefully; when <paramref name="cancellationToken"/> (the host's shutdown
    /// timeout) fires first, the stop turns hard (see <see cref="RpcServer.StopAsync"/>).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _running = false;
        if (_server is { } server)
        {
            await server.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops at once and releases the server.</summary>
    public async ValueTask DisposeAsync()
    {
        _running = false;
        if (_server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static RpcServerOptions ServerOptions(RpcServerHostOptions host)
    {
        var options = new RpcServerOptions();
        options.MaxConnections = host.MaxConnections ?? options.MaxConnections;
        options.MaxConcurrentCallsPerConnection = host.MaxConcurrentCallsPerConnection ?? options.MaxConcurrentCallsPerConnection;
        options.MaxConcurrentUdpCalls = host.MaxConcurrentUdpCalls ?? options.MaxConcurrentUdpCalls;
        options.MaxRecordSize = host.MaxRecordSize ?? options.MaxRecordSize;
        options.MaxUdpDatagramSize = host.MaxUdpDatagramSize ?? options.MaxUdpDatagramSize;
        options.IdleTimeout = host.IdleTimeout ?? options.IdleTimeout;
        options.EventLoopThreads = host.EventLoopThreads ?? options.EventLoopThreads;
        if (host.Tls.CertificatePath is { } certificatePath)
        {
            var tls = new RpcServerTlsOptions
            {
                ServerCertificate = X509Certificate2.CreateFromPemFile(certificatePath, host.Tls.KeyPath),
                RequireClientCertificate = host.Tls.RequireClientCertificate,
                DefaultPolicy = host.Tls.DefaultPolicy,
            };
            if (host.Tls.ClientCaPath is { } caPath)
            {
                tls.ClientTrustAnchors.ImportFromPemFile(caPath);
            }
            foreach ((uint program, RpcTlsPolicy policy) in host.Tls.ProgramPolicies)
            {
                tls.ProgramPolicies[program] = policy;
            }
            options.Tls = tls;
        }
        if (host.RegisterWithRpcbind)
        {
            var rpcbind = new RpcbindRegistrationOptions();
            rpcbind.Timeout = host.RpcbindTimeout ?? rpcbind.Timeout;
            if (host.RpcbindAddress is { } address)
            {
                RpcbindAddress.TryParse(address, out EndPoint? endPoint);
                rpcbind.RpcbindEndPoint = endPoint;
            }
            options.Exporters.Add(new RpcbindExporter(rpcbind));
        }
        return options;
    }

    private static void Listen(RpcServer server, RpcListenerOptions listener)
    {
        // The validator has checked transport, address and port at start.
        Transports.TryParse(listener.Transport, out RpcTransportKind transport);
        switch (transport)
        {
            case RpcTransportKind.Tcp:
                server.ListenTcp(new IPEndPoint(IPAddress.Parse(listener.Address), listener.Port));
                break;
            case RpcTransportKind.Udp:
                server.ListenUdp(new IPEndPoint(IPAddress.Parse(listener.Address), listener.Port));
                break;
            case RpcTransportKind.SharedMemory:
                server.ListenSharedMemory(listener.Path!);
                break;
            default:
                server.ListenUnix(listener.Path!);
                break;
        }
    }
}
