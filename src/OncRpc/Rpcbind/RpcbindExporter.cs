using Microsoft.Extensions.Logging;
using OncRpc.Binding;
using OncRpc.Diagnostics;

namespace OncRpc.Rpcbind;

/// <summary>
/// The rpcbind backend of the binding layer: registers every (program, version, netid, address)
/// of the exported instances with rpcbind (v4 SET, falling back to portmap v2) and unregisters
/// them when the export is withdrawn. Add one to
/// <see cref="OncRpc.Server.RpcServerOptions.Exporters"/>. rpcbind has no leases and no metadata:
/// a crashed server's mappings stay until it registers again (ReplaceExisting), and zone, weight
/// and build are not stored.
/// </summary>
public sealed class RpcbindExporter(RpcbindRegistrationOptions? options = null) : IRpcExporter
{
    private readonly RpcbindRegistrationOptions _options = options ?? new();

    /// <inheritdoc />
    public async ValueTask<IRpcExport> ExportAsync(IReadOnlyList<RpcInstance> instances, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(logger);
        var mappings = new List<RpcbindMapping>();
        foreach (RpcInstance instance in instances)
        {
            mappings.AddRange(RpcbindRegistration.MappingsFor(
                [new RpcProgramVersion(instance.Program, instance.Version)], instance.Endpoints));
        }
        var registration = new RpcbindRegistration(mappings, _options);
        // Throws RpcException when rpcbind cannot be reached at all; a refusal of one mapping
        // (another owner holds it) is logged and left in the results, as svc_reg reports it.
        IReadOnlyList<RpcbindRegistrationResult> results = await registration.RegisterAsync(cancellationToken).ConfigureAwait(false);
        foreach (RpcbindRegistrationResult result in results)
        {
            RpcbindMapping m = result.Mapping;
            if (result.Registered)
            {
                ServerLog.RpcbindRegistered(logger, m.Program, m.Version, m.Netid, m.Address, result.RpcbindVersion);
            }
            else
            {
                ServerLog.RpcbindRefused(logger, m.Program, m.Version, m.Netid, m.Address, result.Error);
            }
        }
        return new RpcbindExport(instances, registration, results, logger);
    }
}

/// <summary>What rpcbind answered for each mapping of an <see cref="RpcbindExporter"/>'s export.</summary>
public sealed class RpcbindExport : IRpcExport
{
    private readonly ILogger _logger;
    private RpcbindRegistration? _registration;

    internal RpcbindExport(IReadOnlyList<RpcInstance> instances, RpcbindRegistration registration,
        IReadOnlyList<RpcbindRegistrationResult> results, ILogger logger)
    {
        Instances = instances;
        _registration = registration;
        Results = results;
        _logger = logger;
    }

    /// <inheritdoc />
    public IReadOnlyList<RpcInstance> Instances { get; }

    /// <summary>rpcbind's answer for each (program, version, netid, address).</summary>
    public IReadOnlyList<RpcbindRegistrationResult> Results { get; }

    /// <inheritdoc />
    public async ValueTask WithdrawAsync(CancellationToken cancellationToken)
    {
        RpcbindRegistration? registration = Interlocked.Exchange(ref _registration, null);
        if (registration is null)
        {
            return;
        }
        try
        {
            foreach (string error in await registration.UnregisterAsync(cancellationToken).ConfigureAwait(false))
            {
                ServerLog.RpcbindUnregisterFailed(_logger, error);
            }
        }
        catch (RpcException e)
        {
            ServerLog.RpcbindUnregisterFailed(_logger, e.Message);
        }
    }
}
