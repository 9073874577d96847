using System.Net;
using System.Net.Sockets;

namespace OncRpc.Rpcbind.Internal;

/// <summary>
/// rpcbind's registration list, with rpcbind's semantics (RFC 1833 §2.1 and Linux rpcbind's
/// map_set/map_unset/find_service): one address per (program, version, netid); netids compare
/// ignoring case; entries keep their registration order (DUMP shows them in it). Thread-safe.
/// </summary>
internal sealed class RegistrationTable
{
    /// <summary>The owner that may remove any registration (what rpcbind records for uid 0).</summary>
    public const string Superuser = "superuser";

    /// <summary>The owner recorded when the caller's identity is not known.</summary>
    public const string Unknown = "unknown";

    private readonly List<RpcbindMapping> _entries = [];
    private readonly Lock _gate = new();
    private readonly int _maxEntries;

    public RegistrationTable(int maxEntries = 4096) => _maxEntries = maxEntries;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>RPCBPROC_SET: false when (program, version, netid) is already registered (the
    /// owner must UNSET first) or the table is full.</summary>
    public bool Set(RpcbindMapping mapping)
    {
        lock (_gate)
        {
            if (_entries.Count >= _maxEntries || IndexOf(mapping.Program, mapping.Version, mapping.Netid) >= 0)
            {
                return false;
            }
            _entries.Add(mapping);
            return true;
        }
    }

    /// <summary>RPCBPROC_UNSET: removes (program, version, netid), or every netid of (program,
    /// version) when <paramref name="netid"/> is empty. Only the owner or the superuser may; when
    /// any matching entry belongs to someone else nothing is removed and the answer is false
    /// (rpcbind stops at that entry, we do not remove half). False when nothing matched.</summary>
    public bool Unset(uint program, uint version, string netid, string owner)
    {
        lock (_gate)
        {
            bool any = false;
            foreach (RpcbindMapping entry in _entries)
            {
                if (Matches(entry, program, version, netid))
                {
                    if (owner != Superuser && entry.Owner != owner)
                    {
                        return false;
                    }
                    any = true;
                }
            }
            if (any)
            {
                _entries.RemoveAll(e => Matches(e, program, version, netid));
            }
            return any;
        }
    }

    /// <summary>rpcbind's find_service: the entry of (program, netid) with exactly
    /// <paramref name="version"/>, else the last one of another version (the caller then learns
    /// the program exists and gets PROG_MISMATCH from it), else null.</summary>
    public RpcbindMapping? Find(uint program, uint version, string netid)
    {
        lock (_gate)
        {
            RpcbindMapping? hit = null;
            foreach (RpcbindMapping entry in _entries)
            {
                if (entry.Program != program || !string.Equals(entry.Netid, netid, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                hit = entry;
                if (entry.Version == version)
                {
                    break;
                }
            }
            return hit;
        }
    }

    /// <summary>The lowest and highest registered version of <paramref name="program"/> on
    /// <paramref name="netid"/>, for PROG_MISMATCH replies to INDIRECT.</summary>
    public (uint Low, uint High) VersionRange(uint program, string netid)
    {
        lock (_gate)
        {
            uint low = uint.MaxValue, high = 0;
            foreach (RpcbindMapping entry in _entries)
            {
                if (entry.Program == program && string.Equals(entry.Netid, netid, StringComparison.OrdinalIgnoreCase))
                {
                    low = Math.Min(low, entry.Version);
                    high = Math.Max(high, entry.Version);
                }
            }
            return low == uint.MaxValue ? (0, 0) : (low, high);
        }
    }

    /// <summary>Every entry of exactly (program, version), any netid (GETADDRLIST).</summary>
    public RpcbindMapping[] FindAll(uint program, uint version)
    {
        lock (_gate)
        {
            return _entries.Where(e => e.Program == program && e.Version == version).ToArray();
        }
    }

    /// <summary>RPCBPROC_DUMP: all entries in registration order.</summary>
    public RpcbindMapping[] Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries];
        }
    }

    /// <summary>PMAPPROC_DUMP: the entries the port mapper can express, tcp and udp over IPv4.</summary>
    public PortmapEntry[] PortmapSnapshot()
    {
        var result = new List<PortmapEntry>();
        foreach (RpcbindMapping entry in Snapshot())
        {
            if (TryPortmap(entry, out PortmapEntry pmap))
            {
                result.Add(pmap);
            }
        }
        return [.. result];
    }

    /// <summary>The port mapper view of an entry: tcp/udp with an IPv4 universal address.</summary>
    public static bool TryPortmap(RpcbindMapping entry, out PortmapEntry pmap)
    {
        pmap = default;
        uint protocol;
        if (string.Equals(entry.Netid, RpcbindNetid.Tcp, StringComparison.OrdinalIgnoreCase))
        {
            protocol = RpcbindProtocol.IpProtoTcp;
        }
        else if (string.Equals(entry.Netid, RpcbindNetid.Udp, StringComparison.OrdinalIgnoreCase))
        {
            protocol = RpcbindProtocol.IpProtoUdp;
        }
        else
        {
            return false;
        }
        if (!UniversalAddress.TryParse(entry.Address, out IPEndPoint endPoint) || endPoint.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }
        pmap = new PortmapEntry(entry.Program, entry.Version, protocol, (uint)endPoint.Port);
        return true;
    }

    private int IndexOf(uint program, uint version, string netid) =>
        _entries.FindIndex(e => e.Program == program && e.Version == version
            && string.Equals(e.Netid, netid, StringComparison.OrdinalIgnoreCase));

    private static bool Matches(RpcbindMapping entry, uint program, uint version, string netid) =>
        entry.Program == program && entry.Version == version
        && (netid.Length == 0 || string.Equals(entry.Netid, netid, StringComparison.OrdinalIgnoreCase));
}
