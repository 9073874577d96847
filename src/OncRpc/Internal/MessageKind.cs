using System.Buffers;
using System.Buffers.Binary;
using OncRpc.Protocol;

namespace OncRpc.Internal;

/// <summary>
/// Tells a received record's direction from its msg_type (RFC 5531 §9: xid, then msg_type, at
/// offset 4), without decoding the rest. On a connection that carries calls both ways (a client
/// serving callbacks, a server calling its client back) this is where each record is routed: a
/// CALL to the dispatcher, a REPLY to the pending calls of this end (RFC 8881 §2.10.3.1 shares one
/// connection between the fore and back channels the same way).
/// </summary>
internal static class MessageKind
{
    /// <summary>The record's msg_type, or -1 when it is shorter than xid and msg_type.</summary>
    public static int Of(in ReadOnlySequence<byte> record)
    {
        if (record.FirstSpan.Length >= 8)
        {
            return BinaryPrimitives.ReadInt32BigEndian(record.FirstSpan[4..]);
        }
        if (record.Length < 8)
        {
            return -1;
        }
        Span<byte> header = stackalloc byte[8];
        record.Slice(0, 8).CopyTo(header);
        return BinaryPrimitives.ReadInt32BigEndian(header[4..]);
    }

    public static bool IsCall(in ReadOnlySequence<byte> record) => Of(record) == (int)RpcMessageType.Call;

    public static bool IsReply(in ReadOnlySequence<byte> record) => Of(record) == (int)RpcMessageType.Reply;

    /// <summary>The record's xid (the caller checked it has one).</summary>
    public static uint Xid(in ReadOnlySequence<byte> record)
    {
        Span<byte> xid = stackalloc byte[4];
        record.Slice(0, 4).CopyTo(xid);
        return BinaryPrimitives.ReadUInt32BigEndian(xid);
    }
}
