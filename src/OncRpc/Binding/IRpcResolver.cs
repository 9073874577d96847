namespace OncRpc.Binding;

/// <summary>
/// A registry clients find instances in: a static list (<see cref="RpcStaticResolver"/>),
/// host-local rpcbind (<c>OncRpc.Rpcbind.RpcbindResolver</c>), etcd (OncRpc.Etcd).
/// <see cref="RpcBinder.Import"/> watches one and balances calls over what it yields.
/// </summary>
public interface IRpcResolver
{
    /// <summary>Yields the instances of (<paramref name="program"/>, <paramref name="version"/>)
    /// now, then the whole set again each time it changes, until
    /// <paramref name="cancellationToken"/> fires. A registry that becomes unreachable yields
    /// nothing until it is back (the importer keeps the last set it saw); only a configuration
    /// error ends the sequence with an exception.</summary>
    IAsyncEnumerable<IReadOnlyList<RpcInstance>> WatchAsync(uint program, uint version, CancellationToken cancellationToken);
}
