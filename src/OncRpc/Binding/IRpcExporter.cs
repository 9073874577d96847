using Microsoft.Extensions.Logging;

namespace OncRpc.Binding;

/// <summary>
/// A registry a server announces itself to: host-local rpcbind
/// (<c>OncRpc.Rpcbind.RpcbindExporter</c>), etcd (OncRpc.Etcd), or anything else.
/// <see cref="OncRpc.Server.RpcServer"/> calls every exporter of
/// <see cref="OncRpc.Server.RpcServerOptions.Exporters"/> once its end points are bound, and
/// withdraws the exports first when it stops, so the server knows no registry by name.
/// </summary>
public interface IRpcExporter
{
    /// <summary>Announces <paramref name="instances"/> (one per program version the server
    /// serves) and returns the export, which holds whatever keeps them announced (a lease, a
    /// keep-alive) until withdrawn. Throws <see cref="RpcException"/> when the registry cannot be
    /// reached at all; refusals of single entries are logged to <paramref name="logger"/> and
    /// reported by the export.</summary>
    ValueTask<IRpcExport> ExportAsync(IReadOnlyList<RpcInstance> instances, ILogger logger, CancellationToken cancellationToken);
}

/// <summary>Instances announced by an <see cref="IRpcExporter"/>, until withdrawn.</summary>
public interface IRpcExport
{
    /// <summary>The instances announced.</summary>
    IReadOnlyList<RpcInstance> Instances { get; }

    /// <summary>Removes the instances from the registry (and ends their lease). Never throws for
    /// an unreachable registry: the failure is logged, and a lease-based registry forgets the
    /// instances by itself when the lease runs out.</summary>
    ValueTask WithdrawAsync(CancellationToken cancellationToken);
}
