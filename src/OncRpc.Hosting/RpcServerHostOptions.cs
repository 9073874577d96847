namespace OncRpc.Hosting;

/// <summary>
/// The hosted server's settings, bound from the <c>OncRpc:Server</c> configuration section and
/// validated when the host starts. Limits left unset keep <see cref="OncRpc.Server.RpcServerOptions"/>'s
/// defaults; what configuration cannot express (an auth policy, a time provider) is set in code
/// with <see cref="IRpcServerBuilder.ConfigureServer"/>.
/// </summary>
public sealed class RpcServerHostOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "OncRpc:Server";

    /// <summary>The end points; at least one.</summary>
    public IList<RpcListenerOptions> Listeners { get; } = [];

    /// <summary>See <see cref="OncRpc.Server.RpcServerOptions.MaxConnections"/>.</summary>
    public int? MaxConnections { get; set; }

    /// <summary>See <see cref="OncRpc.Server.RpcServerOptions.MaxConcurrentCallsPerConnection"/>.</summary>
    public int? MaxConcurrentCallsPerConnection { get; set; }

    /// <summary>See <see cref="OncRpc.Server.RpcServerOptions.MaxConcurrentUdpCalls"/>.</summary>
    public int? MaxConcurrentUdpCalls { get; set; }

    /// <summary>See <see cref="OncRpc.Server.RpcServerOptions.MaxRecordSize"/>.</summary>
    public int? MaxRecordSize { get; set; }

    /// <summary>See <see cref="OncRpc.Server.RpcServerOptions.MaxUdpDatagramSize"/>.</summary>
    public int? MaxUdpDatagramSize { get; set; }

    /// <summary>See <see cref="OncRpc.Server.RpcServerOptions.IdleTimeout"/>.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>See <see cref="OncRpc.Server.RpcServerOptions.EventLoopThreads"/>.</summary>
    public int? EventLoopThreads { get; set; }

    /// <summary>Registers every program, version and end point with rpcbind at start and removes
    /// them at stop (docs/rpcbind.md). A start fails when rpcbind cannot be reached.</summary>
    public bool RegisterWithRpcbind { get; set; }

    /// <summary>Where rpcbind is: <c>address:port</c> (<c>127.0.0.1:111</c>, <c>[::1]:111</c>) or
    /// the path of its Unix socket. Unset: its local socket when it exists, else 127.0.0.1:111.</summary>
    public string? RpcbindAddress { get; set; }

    /// <summary>How long an rpcbind registration call may take; 5 seconds when unset.</summary>
    public TimeSpan? RpcbindTimeout { get; set; }

    /// <summary>RPC-with-TLS (docs/security.md); off unless <see cref="RpcTlsHostOptions.CertificatePath"/> is set.</summary>
    public RpcTlsHostOptions Tls { get; } = new();
}
