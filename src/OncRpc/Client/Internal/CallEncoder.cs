using OncRpc.Auth;
using OncRpc.Protocol;
using OncRpc.Transport;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>Encodes call messages into pooled buffers: for stream transports with the record
/// marking already in place, so the send path only copies or sends.</summary>
internal static class CallEncoder
{
    /// <summary>Encodes call header and arguments. With <paramref name="recordMarking"/> the
    /// result is a complete record (fragmented at <paramref name="maxFragmentSize"/>); otherwise a
    /// bare message, one UDP datagram.</summary>
    public static PooledBufferWriter Encode<TArgs>(
        uint xid, RpcProcedureDescriptor procedure, OpaqueAuth credential, OpaqueAuth verifier, in TArgs arguments,
        bool recordMarking, int maxFragmentSize)
        where TArgs : IXdrSerializable<TArgs>
    {
        PooledBufferWriter buffer = BufferPool.Rent();
        try
        {
            if (recordMarking)
            {
                // Reserve the fragment header, filled in once the length is known.
                buffer.GetSpan(RecordMarking.HeaderSize);
                buffer.Advance(RecordMarking.HeaderSize);
            }
            var writer = new XdrWriter(buffer);
            new RpcCallHeader(xid, procedure.Program, procedure.Version, procedure.Procedure, credential, verifier).WriteTo(ref writer);
            arguments.WriteTo(ref writer);
            writer.Flush();
        }
        catch
        {
            BufferPool.Return(buffer);
            throw;
        }
        return recordMarking ? Frame(buffer, maxFragmentSize) : buffer;
    }

    /// <summary>Wraps a hand-built message as a record.</summary>
    public static PooledBufferWriter EncodeRaw(ReadOnlySpan<byte> message, bool recordMarking, int maxFragmentSize)
    {
        PooledBufferWriter buffer = BufferPool.Rent();
        if (recordMarking)
        {
            buffer.GetSpan(RecordMarking.HeaderSize);
            buffer.Advance(RecordMarking.HeaderSize);
        }
        message.CopyTo(buffer.GetSpan(message.Length));
        buffer.Advance(message.Length);
        return recordMarking ? Frame(buffer, maxFragmentSize) : buffer;
    }

    /// <summary>Fills the reserved header of a one-fragment record, or re-frames a record larger
    /// than <paramref name="maxFragmentSize"/> into several fragments.</summary>
    private static PooledBufferWriter Frame(PooledBufferWriter buffer, int maxFragmentSize)
    {
        int payload = buffer.WrittenCount - RecordMarking.HeaderSize;
        if (payload <= maxFragmentSize)
        {
            RecordMarking.WriteHeader(buffer.WrittenSpanForUpdate, payload, last: true);
            return buffer;
        }
        PooledBufferWriter framed = BufferPool.Rent();
        RecordMarking.WriteRecord(framed, buffer.WrittenMemory[RecordMarking.HeaderSize..], maxFragmentSize);
        BufferPool.Return(buffer);
        return framed;
    }
}
