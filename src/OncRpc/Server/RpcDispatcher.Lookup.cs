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
        if (snapshot.Versions.TryGetValue(VersionKey(program, version), out VersionTable? table))
        {
            entry = table.Find(procedure);
            return entry is null ? DispatchLookup.ProcedureUnavailable : DispatchLookup.Found;
        }
        entry = null;
        if (!snapshot.Programs.TryGetValue(program, out var range))
        {
            return DispatchLookup.ProgramUnavailable;
        }
        (low, high) = range;
        return DispatchLookup.ProgramMismatch;
    }

    private static ulong VersionKey(uint program, uint version) => ((ulong)program << 32) | version;

    private Snapshot BuildSnapshot()
    {
        lock (_gate)
        {
            if (_snapshot is { } existing)
            {
                return existing;
            }
            var byVersion = new Dictionary<ulong, Dictionary<uint, RpcProcedureEntry>>();
            foreach (var ((program, version, procedure), entry) in _procedures)
            {
                if (!byVersion.TryGetValue(VersionKey(program, version), out var procedures))
                {
                    byVersion[VersionKey(program, version)] = procedures = [];
                }
                procedures[procedure] = entry;
            }
            foreach (var (key, procedures) in byVersion)
            {
                if (!procedures.ContainsKey(0))
                {
                    procedures[0] = CreateNullEntry((uint)(key >> 32), (uint)key);
                }
            }
            var snapshot = new Snapshot(
                byVersion.ToFrozenDictionary(p => p.Key, p => new VersionTable(p.Value)),
                _versions.ToFrozenDictionary());
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

    /// <summary>The table calls read, rebuilt after each registration: one lookup by
    /// (program, version) packed in 64 bits, then the procedure number indexes an array.</summary>
    private sealed record Snapshot(
        FrozenDictionary<ulong, VersionTable> Versions,
        FrozenDictionary<uint, (uint Low, uint High)> Programs);

    /// <summary>The procedures of one program version, by number: an array up to
    /// <see cref="MaxDenseProcedure"/> (every real program: NFSv3 has 22), a dictionary for the
    /// rest, so a stray huge number costs no huge array.</summary>
    private sealed class VersionTable
    {
        private const uint MaxDenseProcedure = 255;
        private readonly RpcProcedureEntry?[] _dense;
        private readonly FrozenDictionary<uint, RpcProcedureEntry>? _sparse;

        public VersionTable(Dictionary<uint, RpcProcedureEntry> procedures)
        {
            uint max = 0;
            foreach (uint procedure in procedures.Keys)
            {
                if (procedure <= MaxDenseProcedure)
                {
                    max = Math.Max(max, procedure);
                }
            }
            _dense = new RpcProcedureEntry?[max + 1];
            Dictionary<uint, RpcProcedureEntry>? sparse = null;
            foreach (var (procedure, entry) in procedures)
            {
                if (procedure <= MaxDenseProcedure)
                {
                    _dense[procedure] = entry;
                }
                else
                {
                    (sparse ??= [])[procedure] = entry;
                }
            }
            _sparse = sparse?.ToFrozenDictionary();
        }

        public RpcProcedureEntry? Find(uint procedure) =>
            procedure < (uint)_dense.Length ? _dense[procedure]
            : _sparse is not null && _sparse.TryGetValue(procedure, out RpcProcedureEntry? entry) ? entry
            : null;
    }
}
