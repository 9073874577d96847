using OncRpc.Xdr;

namespace OncRpc.Server;

/// <summary>
/// The server's dispatch table, keyed by (program, version, procedure). Generated services fill
/// it through <see cref="IRpcService.Register"/>; the middle level registers single procedures
/// with <c>Register</c> (the registerrpc of the classic interface).
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
        where TResult : IXdrSerializable<TResult> => Register(procedure, handler, null);

    /// <summary>Registers one procedure with how it runs under failure (see
    /// <see cref="RpcProcedureOptions"/>).</summary>
    public RpcDispatcher Register<TArgs, TResult>(RpcProcedureDescriptor procedure, RpcHandler<TArgs, TResult> handler,
        RpcProcedureOptions? options)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        ArgumentNullException.ThrowIfNull(procedure);
        ArgumentNullException.ThrowIfNull(handler);
        options?.Validate();
        lock (_gate)
        {
            var key = (procedure.Program, procedure.Version, procedure.Procedure);
            if (_procedures.ContainsKey(key))
            {
                throw new InvalidOperationException(
                    $"procedure {procedure.Procedure} of program {procedure.Program} version {procedure.Version} is already registered");
            }
            var entry = new RpcProcedureEntry<TArgs, TResult>(procedure, handler);
            entry.Apply(options);
            _procedures[key] = entry;
            _versions[procedure.Program] = _versions.TryGetValue(procedure.Program, out var range)
                ? (Math.Min(range.Low, procedure.Version), Math.Max(range.High, procedure.Version))
                : (procedure.Version, procedure.Version);
            _snapshot = null;
        }
        return this;
    }

    /// <summary>Sets how an already registered procedure runs under failure (for procedures a
    /// generated service registered). Throws <see cref="InvalidOperationException"/> when it is
    /// not registered. Takes effect for calls that start afterwards.</summary>
    public RpcDispatcher Configure(uint program, uint version, uint procedure, RpcProcedureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        lock (_gate)
        {
            if (!_procedures.TryGetValue((program, version, procedure), out RpcProcedureEntry? entry))
            {
                throw new InvalidOperationException(
                    $"procedure {procedure} of program {program} version {version} is not registered");
            }
            entry.Apply(options);
        }
        return this;
    }

    /// <summary>Every registered procedure (a copy).</summary>
    internal RpcProcedureEntry[] Entries()
    {
        lock (_gate)
        {
            return [.. _procedures.Values];
        }
    }

    /// <summary>The entry registered for <paramref name="procedure"/>'s numbers, if any.</summary>
    internal RpcProcedureEntry? Find(RpcProcedureDescriptor procedure)
    {
        lock (_gate)
        {
            return _procedures.GetValueOrDefault((procedure.Program, procedure.Version, procedure.Procedure));
        }
    }

    /// <summary>Every registered (program, version) pair, for rpcbind registration.</summary>
    public IReadOnlyList<RpcProgramVersion> ProgramVersions()
    {
        lock (_gate)
        {
            return _procedures.Keys.Select(k => new RpcProgramVersion(k.Program, k.Version)).Distinct().Order().ToArray();
        }
    }
}
