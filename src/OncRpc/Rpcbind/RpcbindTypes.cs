using OncRpc.Rpcbind.Internal;
using OncRpc.Xdr;

namespace OncRpc.Rpcbind;

/// <summary>rpcb_prot.x <c>struct rpcb</c>: a mapping of (program, version, netid) to a universal
/// address, with the owner that registered it (RFC 1833 §2.1). In GETADDR requests
/// <see cref="Address"/> may carry a hint and <see cref="Owner"/> is ignored.</summary>
public sealed record RpcbindMapping(uint Program, uint Version, string Netid, string Address, string Owner)
    : IXdrSerializable<RpcbindMapping>
{
    public static RpcbindMapping ReadFrom(ref XdrReader reader) =>
        new(reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadString(), reader.ReadString(), reader.ReadString());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt32(Program);
        writer.WriteUInt32(Version);
        writer.WriteString(Netid ?? "");
        writer.WriteString(Address ?? "");
        writer.WriteString(Owner ?? "");
    }
}

/// <summary>rpcb_prot.x <c>rpcblist_ptr</c> (a linked list of <c>rp__list</c>), the result of
/// RPCBPROC_DUMP.</summary>
public sealed record RpcbindMappingList(IReadOnlyList<RpcbindMapping> Mappings) : IXdrSerializable<RpcbindMappingList>
{
    public static RpcbindMappingList ReadFrom(ref XdrReader reader) => new(XdrList.Read<RpcbindMapping>(ref reader));

    public void WriteTo(ref XdrWriter writer) => XdrList.Write(ref writer, Mappings);

    public bool Equals(RpcbindMappingList? other) => other is not null && XdrList.SequenceEqual(Mappings, other.Mappings);

    public override int GetHashCode() => XdrList.SequenceHash(Mappings);
}

/// <summary>rpcb_prot.x <c>struct rpcb_rmtcallargs</c>: the argument of RPCBPROC_CALLIT, BCAST
/// and INDIRECT, and of portmap's PMAPPROC_CALLIT, whose <c>call_args</c> has the same layout
/// (RFC 1833 §3.1 and §4).</summary>
public sealed record RpcbindRemoteCallArgs(uint Program, uint Version, uint Procedure, ReadOnlyMemory<byte> Arguments)
    : IXdrSerializable<RpcbindRemoteCallArgs>
{
    public static RpcbindRemoteCallArgs ReadFrom(ref XdrReader reader) =>
        new(reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadOpaque());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt32(Program);
        writer.WriteUInt32(Version);
        writer.WriteUInt32(Procedure);
        writer.WriteOpaque(Arguments.Span);
    }

    public bool Equals(RpcbindRemoteCallArgs? other) => other is not null && Program == other.Program
        && Version == other.Version && Procedure == other.Procedure && Arguments.Span.SequenceEqual(other.Arguments.Span);

    public override int GetHashCode() => HashCode.Combine(Program, Version, Procedure, Arguments.Length);
}

/// <summary>rpcb_prot.x <c>struct rpcb_rmtcallres</c>: the universal address of the program that
/// answered and its XDR-encoded results.</summary>
public sealed record RpcbindRemoteCallResult(string Address, ReadOnlyMemory<byte> Results) : IXdrSerializable<RpcbindRemoteCallResult>
{
    public static RpcbindRemoteCallResult ReadFrom(ref XdrReader reader) => new(reader.ReadString(), reader.ReadOpaque());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteString(Address ?? "");
        writer.WriteOpaque(Results.Span);
    }

    public bool Equals(RpcbindRemoteCallResult? other) =>
        other is not null && Address == other.Address && Results.Span.SequenceEqual(other.Results.Span);

    public override int GetHashCode() => HashCode.Combine(Address, Results.Length);
}

/// <summary>rpcb_prot.x <c>struct rpcb_entry</c>: one address of a program version, with the
/// netconfig fields of its transport (RFC 1833 §2.2.1, GETADDRLIST).</summary>
public sealed record RpcbindAddressEntry(string Address, string Netid, uint Semantics, string ProtocolFamily, string Protocol)
    : IXdrSerializable<RpcbindAddressEntry>
{
    /// <summary>NC_TPI_CLTS: connectionless (UDP).</summary>
    public const uint SemanticsConnectionless = 1;

    /// <summary>NC_TPI_COTS: connection oriented (local stream sockets).</summary>
    public const uint SemanticsConnectionOriented = 2;

    /// <summary>NC_TPI_COTS_ORD: connection oriented with orderly release (TCP).</summary>
    public const uint SemanticsConnectionOrientedOrderly = 3;

    public static RpcbindAddressEntry ReadFrom(ref XdrReader reader) =>
        new(reader.ReadString(), reader.ReadString(), reader.ReadUInt32(), reader.ReadString(), reader.ReadString());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteString(Address ?? "");
        writer.WriteString(Netid ?? "");
        writer.WriteUInt32(Semantics);
        writer.WriteString(ProtocolFamily ?? "");
        writer.WriteString(Protocol ?? "");
    }
}

/// <summary>rpcb_prot.x <c>rpcb_entry_list_ptr</c>, the result of RPCBPROC_GETADDRLIST.</summary>
public sealed record RpcbindAddressEntryList(IReadOnlyList<RpcbindAddressEntry> Entries) : IXdrSerializable<RpcbindAddressEntryList>
{
    public static RpcbindAddressEntryList ReadFrom(ref XdrReader reader) => new(XdrList.Read<RpcbindAddressEntry>(ref reader));

    public void WriteTo(ref XdrWriter writer) => XdrList.Write(ref writer, Entries);

    public bool Equals(RpcbindAddressEntryList? other) => other is not null && XdrList.SequenceEqual(Entries, other.Entries);

    public override int GetHashCode() => XdrList.SequenceHash(Entries);
}

/// <summary>RFC 1833 <c>struct netbuf</c> (TADDR2UADDR / UADDR2TADDR): a transport address in the
/// host's own sockaddr layout, with the size of the buffer the C side allocated.</summary>
public sealed record NetBuffer(uint MaxLength, ReadOnlyMemory<byte> Buffer) : IXdrSerializable<NetBuffer>
{
    public static NetBuffer ReadFrom(ref XdrReader reader) => new(reader.ReadUInt32(), reader.ReadOpaque());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt32(MaxLength);
        writer.WriteOpaque(Buffer.Span);
    }

    public bool Equals(NetBuffer? other) =>
        other is not null && MaxLength == other.MaxLength && Buffer.Span.SequenceEqual(other.Buffer.Span);

    public override int GetHashCode() => HashCode.Combine(MaxLength, Buffer.Length);
}
