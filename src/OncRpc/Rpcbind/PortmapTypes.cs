using OncRpc.Rpcbind.Internal;
using OncRpc.Xdr;

namespace OncRpc.Rpcbind;

/// <summary>pmap_prot.x <c>struct pmap</c>: a port mapper (version 2) registration.
/// <see cref="Protocol"/> is IPPROTO_TCP (6) or IPPROTO_UDP (17).</summary>
public readonly record struct PortmapEntry(uint Program, uint Version, uint Protocol, uint Port)
    : IXdrSerializable<PortmapEntry>
{
    public static PortmapEntry ReadFrom(ref XdrReader reader) =>
        new(reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt32(Program);
        writer.WriteUInt32(Version);
        writer.WriteUInt32(Protocol);
        writer.WriteUInt32(Port);
    }
}

/// <summary>pmap_prot.x <c>pmaplist_ptr</c>, the result of PMAPPROC_DUMP: a linked list on the
/// wire, an array here.</summary>
public sealed record PortmapList(IReadOnlyList<PortmapEntry> Entries) : IXdrSerializable<PortmapList>
{
    public static PortmapList ReadFrom(ref XdrReader reader) => new(XdrList.Read<PortmapEntry>(ref reader));

    public void WriteTo(ref XdrWriter writer) => XdrList.Write(ref writer, Entries);

    public bool Equals(PortmapList? other) => other is not null && XdrList.SequenceEqual(Entries, other.Entries);

    public override int GetHashCode() => XdrList.SequenceHash(Entries);
}

/// <summary>pmap_prot.x <c>struct call_result</c> (rmtcallres), the result of PMAPPROC_CALLIT: the
/// port of the program that answered and its XDR-encoded results.</summary>
public sealed record PortmapCallResult(uint Port, ReadOnlyMemory<byte> Results) : IXdrSerializable<PortmapCallResult>
{
    public static PortmapCallResult ReadFrom(ref XdrReader reader) => new(reader.ReadUInt32(), reader.ReadOpaque());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt32(Port);
        writer.WriteOpaque(Results.Span);
    }

    public bool Equals(PortmapCallResult? other) =>
        other is not null && Port == other.Port && Results.Span.SequenceEqual(other.Results.Span);

    public override int GetHashCode() => HashCode.Combine(Port, Results.Length);
}
