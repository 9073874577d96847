using OncRpc.Diagnostics;
using OncRpc.Rpcbind;

namespace OncRpc.Server;

public sealed partial class RpcServer
{
    private RpcbindRegistration? _registration;

    /// <summary>What rpcbind answered for each mapping at start; empty without
    /// <see cref="RpcServerOptions.Rpcbind"/>.</summary>
    public IReadOnlyList<RpcbindRegistrationResult> RpcbindRegistrations { get; private set; } = [];

    private async Task RegisterWithRpcbindAsync(RpcbindRegistrationOptions options, CancellationToken cancellationToken)
    {
        var registration = new RpcbindRegistration(
            RpcbindRegistration.MappingsFor(Dispatcher.ProgramVersions(), EndPoints), options);
        _registration = registration;
        // Throws RpcException when rpcbind cannot be reached at all; a refusal of one mapping
        // (another owner holds it) is logged and left in the results, as svc_reg reports it.
        RpcbindRegistrations = await registration.RegisterAsync(cancellationToken).ConfigureAwait(false);
        foreach (RpcbindRegistrationResult result in RpcbindRegistrations)
        {
            RpcbindMapping m = result.Mapping;
            if (result.Registered)
            {
                ServerLog.RpcbindRegistered(_logger, m.Program, m.Version, m.Netid, m.Address, result.RpcbindVersion);
            }
            else
            {
                ServerLog.RpcbindRefused(_logger, m.Program, m.Version, m.Netid, m.Address, result.Error);
            }
        }
    }

    private async Task UnregisterFromRpcbindAsync()
    {
        RpcbindRegistration? registration = Interlocked.Exchange(ref _registration, null);
        if (registration is null)
        {
            return;
        }
        try
        {
            foreach (string error in await registration.UnregisterAsync(CancellationToken.None).ConfigureAwait(false))
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
