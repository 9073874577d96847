using OncRpc.Rpcbind.Internal;
using OncRpc.Xdr;

namespace OncRpc.Rpcbind;

/// <summary>rpcb_prot.x <c>struct rpcbs_addrlist</c> element: GETADDR (or GETPORT) lookups of
/// one (program, version, netid), those that found an address and those that did not.</summary>
public sealed record RpcbindAddressStat(uint Program, uint Version, int Success, int Failure, string Netid)
    : IXdrSerializable<RpcbindAddressStat>
{
    public static RpcbindAddressStat ReadFrom(ref XdrReader reader) =>
        new(reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadString());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt32(Program);
        writer.WriteUInt32(Version);
        writer.WriteInt32(Success);
        writer.WriteInt32(Failure);
        writer.WriteString(Netid ?? "");
    }
}

/// <summary>rpcb_prot.x <c>struct rpcbs_rmtcalllist</c> element: indirect calls (CALLIT,
/// INDIRECT) to one (program, version, procedure, netid). <see cref="Indirect"/> is non-zero for
/// INDIRECT, zero for CALLIT/BCAST.</summary>
public sealed record RpcbindRemoteCallStat(uint Program, uint Version, uint Procedure, int Success, int Failure, int Indirect, string Netid)
    : IXdrSerializable<RpcbindRemoteCallStat>
{
    public static RpcbindRemoteCallStat ReadFrom(ref XdrReader reader) => new(
        reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(),
        reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadString());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt32(Program);
        writer.WriteUInt32(Version);
        writer.WriteUInt32(Procedure);
        writer.WriteInt32(Success);
        writer.WriteInt32(Failure);
        writer.WriteInt32(Indirect);
        writer.WriteString(Netid ?? "");
    }
}

/// <summary>rpcb_prot.x <c>struct rpcb_stat</c>: what one protocol version served. The
/// procedure counts are the fixed array <c>rpcbs_proc[RPCBSTAT_HIGHPROC]</c> (13 ints, indexed
/// by procedure number); the two lists are XDR linked lists.</summary>
public sealed record RpcbindStatistics(
    IReadOnlyList<int> ProcedureCounts,
    int SetCount,
    int UnsetCount,
    IReadOnlyList<RpcbindAddressStat> AddressLookups,
    IReadOnlyList<RpcbindRemoteCallStat> RemoteCalls) : IXdrSerializable<RpcbindStatistics>
{
    /// <summary>No calls served.</summary>
    public static RpcbindStatistics Empty { get; } = new(new int[RpcbindProtocol.StatHighProc], 0, 0, [], []);

    public static RpcbindStatistics ReadFrom(ref XdrReader reader)
    {
        reader.EnsureFixedArray(RpcbindProtocol.StatHighProc);
        var counts = new int[RpcbindProtocol.StatHighProc];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = reader.ReadInt32();
        }
        int set = reader.ReadInt32();
        int unset = reader.ReadInt32();
        RpcbindAddressStat[] addresses = XdrList.Read<RpcbindAddressStat>(ref reader);
        RpcbindRemoteCallStat[] calls = XdrList.Read<RpcbindRemoteCallStat>(ref reader);
        return new RpcbindStatistics(counts, set, unset, addresses, calls);
    }

    /// <summary>Writes the record; <see cref="ProcedureCounts"/> must hold exactly 13 values
    /// (the array is fixed-length on the wire), else <see cref="ArgumentException"/>.</summary>
    public void WriteTo(ref XdrWriter writer)
    {
        if (ProcedureCounts.Count != RpcbindProtocol.StatHighProc)
        {
            throw new ArgumentException($"rpcbs_proc holds exactly {RpcbindProtocol.StatHighProc} counts, not {ProcedureCounts.Count}");
        }
        for (int i = 0; i < RpcbindProtocol.StatHighProc; i++)
        {
            writer.WriteInt32(ProcedureCounts[i]);
        }
        writer.WriteInt32(SetCount);
        writer.WriteInt32(UnsetCount);
        XdrList.Write(ref writer, AddressLookups);
        XdrList.Write(ref writer, RemoteCalls);
    }

    public bool Equals(RpcbindStatistics? other) => other is not null
        && XdrList.SequenceEqual(ProcedureCounts, other.ProcedureCounts)
        && SetCount == other.SetCount && UnsetCount == other.UnsetCount
        && XdrList.SequenceEqual(AddressLookups, other.AddressLookups)
        && XdrList.SequenceEqual(RemoteCalls, other.RemoteCalls);

    public override int GetHashCode() => HashCode.Combine(SetCount, UnsetCount, XdrList.SequenceHash(ProcedureCounts));
}

/// <summary>rpcb_prot.x <c>rpcb_stat_byvers</c>, the result of RPCBPROC_GETSTAT: a fixed array
/// of three <see cref="RpcbindStatistics"/>, for versions 2, 3 and 4 in that order.</summary>
public sealed record RpcbindStatisticsByVersion(RpcbindStatistics Version2, RpcbindStatistics Version3, RpcbindStatistics Version4)
    : IXdrSerializable<RpcbindStatisticsByVersion>
{
    public static RpcbindStatisticsByVersion ReadFrom(ref XdrReader reader) =>
        new(RpcbindStatistics.ReadFrom(ref reader), RpcbindStatistics.ReadFrom(ref reader), RpcbindStatistics.ReadFrom(ref reader));

    public void WriteTo(ref XdrWriter writer)
    {
        Version2.WriteTo(ref writer);
        Version3.WriteTo(ref writer);
        Version4.WriteTo(ref writer);
    }

    /// <summary>The statistics of protocol <paramref name="version"/> (2, 3 or 4).</summary>
    public RpcbindStatistics this[uint version] => version switch
    {
        RpcbindProtocol.PortmapVersion => Version2,
        RpcbindProtocol.Version3 => Version3,
        RpcbindProtocol.Version4 => Version4,
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "rpcbind keeps statistics for versions 2, 3 and 4"),
    };
}
