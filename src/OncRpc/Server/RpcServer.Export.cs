using System.Net;
using OncRpc.Binding;

namespace OncRpc.Server;

public sealed partial class RpcServer
{
    private IReadOnlyList<IRpcExport> _exports = [];

    /// <summary>The exports made at start, one per exporter of
    /// <see cref="RpcServerOptions.Exporters"/>, in order (cast to the backend's type, e.g.
    /// <c>OncRpc.Rpcbind.RpcbindExport</c>, for its answers); empty before start and after stop.</summary>
    public IReadOnlyList<IRpcExport> Exports => _exports;

    /// <summary>What this server exports: one instance per (program, version) it serves, each with
    /// every bound end point.</summary>
    public IReadOnlyList<RpcInstance> Instances()
    {
        IReadOnlyList<RpcInstanceEndpoint> endpoints = _endPoints;
        string id = _options.InstanceId ?? _defaultInstanceId;
        return [.. Dispatcher.ProgramVersions()
            .Select(pv => new RpcInstance(id, pv.Program, pv.Version, endpoints, _options.InstanceMetadata))];
    }

    // Unique per server object: host, process and a random part, so two servers of one process
    // (tests, a multi-tenant host) are two instances.
    private readonly string _defaultInstanceId =
        $"{Dns.GetHostName()}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    private async Task ExportAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<RpcInstance> instances = Instances();
        var exports = new List<IRpcExport>(_options.Exporters.Count);
        try
        {
            foreach (IRpcExporter exporter in _options.Exporters)
            {
                exports.Add(await exporter.ExportAsync(instances, _logger, cancellationToken).ConfigureAwait(false));
                _exports = exports.ToArray();
            }
        }
        catch
        {
            await WithdrawAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task WithdrawAsync()
    {
        IReadOnlyList<IRpcExport> exports = Interlocked.Exchange(ref _exports, []);
        // Withdrawn in reverse, while the server still answers, so no client is sent to a
        // closed port; a registry that cannot be reached logs and lets its lease run out.
        for (int i = exports.Count - 1; i >= 0; i--)
        {
            await exports[i].WithdrawAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
