namespace OncRpc.Binding;

/// <summary>The import side of the binding layer (docs/binder.md).</summary>
public static class RpcBinder
{
    /// <summary>
    /// Imports (<paramref name="program"/>, <paramref name="version"/>) from
    /// <paramref name="resolver"/>: the returned client is an ordinary <see cref="Client.RpcClient"/>
    /// (any generated client wraps it) that spreads calls over the live instances, ejects and
    /// restores them by health, and fails over when that is safe. It starts watching at once; the
    /// first call waits for the first view (at most the client timeout).
    /// </summary>
    public static RpcImportedClient Import(IRpcResolver resolver, uint program, uint version, RpcImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        return new RpcImportedClient(resolver, program, version, (options ?? new()).Validate());
    }
}

/// <summary>How an imported client sees one instance right now.</summary>
/// <param name="Instance">The instance, as the registry describes it.</param>
/// <param name="Healthy">False while ejected (a failed call or health probe).</param>
/// <param name="Outstanding">Calls of this client running on it.</param>
/// <param name="Calls">Calls sent to it by this client (attempts, failovers included).</param>
/// <param name="Failures">Times it was found failing (calls and probes).</param>
public sealed record RpcInstanceState(RpcInstance Instance, bool Healthy, int Outstanding, long Calls, long Failures);
