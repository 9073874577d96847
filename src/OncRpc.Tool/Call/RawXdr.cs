using OncRpc.Xdr;

namespace OncRpc.Tool.Call;

/// <summary>Already-encoded XDR: the arguments <see cref="JsonToXdr"/> produced, or the whole result
/// of a reply, kept as bytes so that the typed client path (xid, auth, retransmission, reply
/// checks) serves calls whose types are known only from a .x read at run time.</summary>
internal readonly record struct RawXdr(byte[] Bytes) : IXdrSerializable<RawXdr>
{
    public static RawXdr ReadFrom(ref XdrReader reader) => new(reader.ReadFixedOpaque((int)reader.Remaining));

    public void WriteTo(ref XdrWriter writer) => writer.WriteFixedOpaque(Bytes);
}
