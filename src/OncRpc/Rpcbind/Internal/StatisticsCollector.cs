namespace OncRpc.Rpcbind.Internal;

/// <summary>
/// What GETSTAT reports, per protocol version (rpcbind's rpcb_stat.c): calls per procedure,
/// successful SETs and UNSETs, address lookups per (program, version, netid) and indirect calls
/// per (program, version, procedure, netid, kind). The two lists are bounded: lookups of keys
/// beyond <see cref="MaxListEntries"/> are not itemised, so hostile lookups of random programs
/// cannot grow memory.
/// </summary>
internal sealed class StatisticsCollector
{
    public const int MaxListEntries = 256;

    private readonly VersionStats[] _versions = [new(), new(), new()];
    private readonly Lock _gate = new();

    /// <summary>Counts one call of <paramref name="procedure"/> of <paramref name="version"/>.</summary>
    public void Procedure(uint version, uint procedure)
    {
        if (Index(version) is int i && procedure < RpcbindProtocol.StatHighProc)
        {
            Interlocked.Increment(ref _versions[i].Procedures[procedure]);
        }
    }

    public void Set(uint version, bool success)
    {
        if (success && Index(version) is int i)
        {
            Interlocked.Increment(ref _versions[i].SetCount);
        }
    }

    public void Unset(uint version, bool success)
    {
        if (success && Index(version) is int i)
        {
            Interlocked.Increment(ref _versions[i].UnsetCount);
        }
    }

    /// <summary>An address lookup (GETPORT, GETADDR, GETVERSADDR): success when it found one.</summary>
    public void Lookup(uint version, uint program, uint programVersion, string netid, bool success)
    {
        if (Index(version) is not int i)
        {
            return;
        }
        lock (_gate)
        {
            var list = _versions[i].Lookups;
            var key = (program, programVersion, netid);
            if (!list.TryGetValue(key, out var counts))
            {
                if (list.Count >= MaxListEntries)
                {
                    return;
                }
                counts = (0, 0);
            }
            list[key] = success ? (counts.Success + 1, counts.Failure) : (counts.Success, counts.Failure + 1);
        }
    }

    /// <summary>An indirect call (CALLIT/BCAST when <paramref name="indirect"/> is false, INDIRECT otherwise).</summary>
    public void RemoteCall(uint version, uint program, uint programVersion, uint procedure, string netid, bool indirect, bool success)
    {
        if (Index(version) is not int i)
        {
            return;
        }
        lock (_gate)
        {
            var list = _versions[i].RemoteCalls;
            var key = (program, programVersion, procedure, netid, indirect);
            if (!list.TryGetValue(key, out var counts))
            {
                if (list.Count >= MaxListEntries)
                {
                    return;
                }
                counts = (0, 0);
            }
            list[key] = success ? (counts.Success + 1, counts.Failure) : (counts.Success, counts.Failure + 1);
        }
    }

    public RpcbindStatisticsByVersion Snapshot()
    {
        lock (_gate)
        {
            return new RpcbindStatisticsByVersion(Build(_versions[0]), Build(_versions[1]), Build(_versions[2]));
        }
    }

    private static RpcbindStatistics Build(VersionStats stats)
    {
        int[] procedures = new int[RpcbindProtocol.StatHighProc];
        for (int p = 0; p < procedures.Length; p++)
        {
            procedures[p] = Volatile.Read(ref stats.Procedures[p]);
        }
        var lookups = stats.Lookups
            .Select(kv => new RpcbindAddressStat(kv.Key.Program, kv.Key.Version, kv.Value.Success, kv.Value.Failure, kv.Key.Netid))
            .ToArray();
        var calls = stats.RemoteCalls
            .Select(kv => new RpcbindRemoteCallStat(kv.Key.Program, kv.Key.Version, kv.Key.Procedure,
                kv.Value.Success, kv.Value.Failure, kv.Key.Indirect ? 1 : 0, kv.Key.Netid))
            .ToArray();
        return new RpcbindStatistics(procedures, Volatile.Read(ref stats.SetCount), Volatile.Read(ref stats.UnsetCount), lookups, calls);
    }

    private static int? Index(uint version) => version switch
    {
        RpcbindProtocol.PortmapVersion => 0,
        RpcbindProtocol.Version3 => 1,
        RpcbindProtocol.Version4 => 2,
        _ => null,
    };

    private sealed class VersionStats
    {
        public readonly int[] Procedures = new int[RpcbindProtocol.StatHighProc];
        public int SetCount;
        public int UnsetCount;

        // Insertion-ordered enough for a report; Dictionary keeps insertion order without removals.
        public readonly Dictionary<(uint Program, uint Version, string Netid), (int Success, int Failure)> Lookups = [];
        public readonly Dictionary<(uint Program, uint Version, uint Procedure, string Netid, bool Indirect), (int Success, int Failure)> RemoteCalls = [];
    }
}
