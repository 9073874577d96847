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
    /// bare message, one UDP datagram. <paramref name="into"/>: an empty buffer to encode into
    /// (possibly lent a transport's output, see RecordSender.LendOutput) instead of a rented one.</summary>
    public static PooledBufferWriter Encode<TArgs>(
        uint xid, RpcProcedureDescriptor procedure, OpaqueAuth credential, RpcCredentials credentials, in TArgs arguments,
        bool recordMarking, int maxFragmentSize, PooledBufferWriter? into = null)
        where TArgs : IXdrSerializable<TArgs>
    {
        PooledBufferWriter buffer = into ?? BufferPool.Rent();
        try
        {
            if (recordMarking)
            {
                // Reserve the fragment header, filled in once the length is known.
                buffer.GetSpan(RecordMarking.HeaderSize);
                buffer.Advance(RecordMarking.HeaderSize);
            }
            // The one client seam for flavors: the verifier may sign the header so far (RFC 2203
            // §5.3.1), and the arguments may be protected; every transport encodes here. A
            // verifier that signs nothing lets the header be copied from this thread's last one.
            bool constant = credentials.VerifierIsConstant;
            if (!constant || !CallHeaderTemplate.TryWrite(buffer, xid, procedure, credential))
            {
                int start = buffer.WrittenCount;
                WriteHeader(buffer, xid, procedure, credential, credentials);
                if (constant)
                {
                    CallHeaderTemplate.Keep(buffer.WrittenSpan[start..]);
                }
            }
            if (credentials.ProtectsMessages)
            {
                WriteProtected(buffer, credential, credentials, arguments);
            }
            else
            {
                var writer = new XdrWriter(buffer);
                arguments.WriteTo(ref writer);
                writer.Flush();
            }
        }
        catch
        {
            BufferPool.Return(buffer);
            throw;
        }
        return recordMarking ? Frame(buffer, maxFragmentSize) : buffer;
    }

    /// <summary>The header through the credential, then the verifier computed over it.</summary>
    private static void WriteHeader(PooledBufferWriter buffer, uint xid, RpcProcedureDescriptor procedure, OpaqueAuth credential,
        RpcCredentials credentials)
    {
        int start = buffer.WrittenCount;
        var writer = new XdrWriter(buffer);
        new RpcCallHeader(xid, procedure.Program, procedure.Version, procedure.Procedure, credential, default).WriteThroughCredential(ref writer);
        writer.Flush();
        credentials.GetVerifier(credential, buffer.WrittenSpan[start..]).WriteTo(ref writer);
        writer.Flush();
    }

    private static void WriteProtected<TArgs>(PooledBufferWriter buffer, OpaqueAuth credential, RpcCredentials credentials, in TArgs arguments)
        where TArgs : IXdrSerializable<TArgs>
    {
        PooledBufferWriter plain = BufferPool.Rent();
        try
        {
            var writer = new XdrWriter(plain);
            arguments.WriteTo(ref writer);
            writer.Flush();
            credentials.ProtectArguments(credential, plain.WrittenSpan, buffer);
        }
        finally
        {
            BufferPool.Return(plain);
        }
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
