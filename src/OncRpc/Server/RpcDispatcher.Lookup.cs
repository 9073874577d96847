using System.Collections.Frozen;
using OncRpc.Xdr;

namespace OncRpc.Server;

/// <summary>What a dispatch-table lookup found.</summary>
internal enum DispatchLookup
{
    Found,
    ProgramUnavailable,
    ProgramMismatch,
    ProcedureUnavailable,
}

public sealed partial class RpcDispatcher
{
    private volatile Snapshot? _snapshot;

    /// <summary>Finds the handler of (program, version, procedure). Procedure 0 (NULL) of a
    /// registered program version always resolves, to a void/void entry when not registered
    /// (rpcgen servers always answer it; clients ping with it). On PROG_MISMATCH,
    /// <paramref name="low"/>/<paramref name="high"/> are the lowest and highest registered
    /// versions of the program.</summary>
    internal DispatchLookup Lookup(uint program, uint version, uint procedure,
        out RpcProcedureEntry? entry, out uint low, out uint high)
    {
        Snapshot snapshot = _snapshot ?? BuildSnapshot();
        low = high = 0;
        if (snapshot.Procedures.TryGetValue((program, version, procedure), out entry))
        {
            return DispatchLookup.Found;
        }
        if (!snapshot.Versions.TryGetValue(program, out var range))
        {
            return DispatchLookup.ProgramUnavailable;
        }
        if (!snapshot.ProgramVersions.Contains((program, version)))
        {
            (low, high) = range;
            return DispatchLookup.ProgramMismatch;
        }
        return DispatchLookup.ProcedureUnavailable;
    }

    private Snapshot BuildSnapshot()
    {
        lock (_gate)
        {
            if (_snapshot is { } existing)
            {
                return existing;
            }
            var procedures = new Dictionary<(uint, uint, uint), RpcProcedureEntry>(_procedures);
            var programVersions = new HashSet<(uint, uint)>();
            foreach (var key in _procedures.Keys)
            {
                if (programVersions.Add((key.Program, key.Version)) && !_procedures.ContainsKey((key.Program, key.Version, 0)))
                {
                    procedures[(key.Program, key.Version, 0)] = CreateNullEntry(key.Program, key.Version);
                }
            }
            var snapshot = new Snapshot(procedures.ToFrozenDictionary(), _versions.ToFrozenDictionary(), programVersions.ToFrozenSet());
            _snapshot = snapshot;
            return snapshot;
        }
    }

    private RpcProcedureEntry CreateNullEntry(uint program, uint version)
    {
        string? programName = null;
        foreach (var entry in _procedures.Values)
        {
            if (entry.Descriptor.Program == program && entry.Descriptor.ProgramName is { } name)
            {
                programName = name;
                break;
            }
        }
        var descriptor = new RpcProcedureDescriptor(program, version, 0, programName, "NULL");
        return new RpcProcedureEntry<XdrVoid, XdrVoid>(descriptor, static (_, _) => default);
    }

    private sealed record Snapshot(
        FrozenDictionary<(uint, uint, uint), RpcProcedureEntry> Procedures,
        FrozenDictionary<uint, (uint Low, uint High)> Versions,
        FrozenSet<(uint, uint)> ProgramVersions);
}
