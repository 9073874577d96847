using OncRpc.Xdr;

namespace OncRpc.Server;

/// <summary>
/// The server's dispatch table, keyed by (program, version, procedure). Generated services fill
/// it through <see cref="IRpcService.Register"/>; the middle level registers single procedures
/// with <see cref="Register{TArgs, TResult}"/> (the registerrpc of the classic interface).
/// No reflection: each entry is a closed generic that decodes, calls and encodes.
/// Registration is thread-safe and may happen while the server runs; lookups read an immutable
/// snapshot rebuilt after each registration.
/// </summary>
public sealed partial class RpcDispatcher
{
    private readonly Dictionary<(uint Program, uint Version, uint Procedure), RpcProcedureEntry> _procedures = [];
    private readonly Dictionary<uint, (uint Low, uint High)> _versions = [];
    private readonly Lock _gate = new();

    /// <summary>Adds every procedure of <paramref name="service"/>.</summary>
    public RpcDispatcher Add(IRpcService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        service.Register(this);
        return this;
    }

    /// <summary>Registers one procedure. Throws <see cref="InvalidOperationException"/> if the
    /// (program, version, procedure) is already registered.</summary>
    public RpcDispatcher Register<TArgs, TResult>(RpcProcedureDescriptor procedure, RpcHandler<TArgs, TResult> handler)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        ArgumentNullException.ThrowIfNull(procedure);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            var key = (procedure.Program, procedure.Version, procedure.Procedure);
            if (_procedures.ContainsKey(key))
            {
                throw new InvalidOperationException(
                    $"procedure {procedure.Procedure} of program {procedure.Program} version {procedure.Version} is already registered");
            }
            _procedures[key] = new RpcProcedureEntry<TArgs, TResult>(procedure, handler);
            _versions[procedure.Program] = _versions.TryGetValue(procedure.Program, out var range)
                ? (Math.Min(range.Low, procedure.Version), Math.Max(range.High, procedure.Version))
                : (procedure.Version, procedure.Version);
            _snapshot = null;
        }
        return this;
    }

    /// <summary>Every registered (program, version) pair, for rpcbind registration.</summary>
    public IReadOnlyList<(uint Program, uint Version)> ProgramVersions()
    {
        lock (_gate)
        {
            return _procedures.Keys.Select(k => (k.Program, k.Version)).Distinct().Order().ToArray();
        }
    }
}
