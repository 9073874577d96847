using System.Buffers;
using System.Buffers.Binary;
using OncRpc.Internal;
using OncRpc.Xdr;

namespace OncRpc.Auth.Gss.Internal;

/// <summary>rpc_gss_proc_t (RFC 2203 §5).</summary>
internal enum GssProc : uint
{
    Data = 0,
    Init = 1,
    ContinueInit = 2,
    Destroy = 3,
}

/// <summary>rpc_gss_cred_t, version 1 (RFC 2203 §5): {gss_proc, seq_num, service, handle}.</summary>
internal readonly record struct GssCredential(GssProc Proc, uint Sequence, RpcGssService Service, ReadOnlyMemory<byte> Handle)
{
    public const uint Version1 = 1;

    /// <summary>RFC 2203 §5.3.3.1: sequence numbers at or above this end the context.</summary>
    public const uint MaxSequence = 0x8000_0000;

    /// <summary>A handle never needs more: the credential body is at most 400 bytes (RFC 5531 §8.2).</summary>
    public const int MaxHandleLength = OpaqueAuth.MaxBodyLength - 20;

    public byte[] Encode()
    {
        int padded = (Handle.Length + 3) & ~3;
        byte[] body = new byte[20 + padded];
        BinaryPrimitives.WriteUInt32BigEndian(body, Version1);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(4), (uint)Proc);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(8), Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(12), (uint)Service);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(16), (uint)Handle.Length);
        Handle.Span.CopyTo(body.AsSpan(20));
        return body;
    }

    /// <summary>Decodes a credential body; false for anything but a well-formed version 1 credential.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out GssCredential credential, out ReadOnlySpan<byte> handle)
    {
        credential = default;
        handle = default;
        if (body.Length < 20 || BinaryPrimitives.ReadUInt32BigEndian(body) != Version1)
        {
            return false;
        }
        uint proc = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        uint service = BinaryPrimitives.ReadUInt32BigEndian(body[12..]);
        uint handleLength = BinaryPrimitives.ReadUInt32BigEndian(body[16..]);
        if (proc > (uint)GssProc.Destroy || service is < 1 or > 3 || handleLength > MaxHandleLength || handleLength > body.Length - 20)
        {
            return false;
        }
        handle = body.Slice(20, (int)handleLength);
        credential = new GssCredential((GssProc)proc, BinaryPrimitives.ReadUInt32BigEndian(body[8..]), (RpcGssService)service, default);
        return true;
    }

    /// <summary>The sequence number of an encoded credential (one this side built).</summary>
    public static uint SequenceOf(ReadOnlySpan<byte> body) => BinaryPrimitives.ReadUInt32BigEndian(body[8..]);

    /// <summary>The handle of an encoded credential (one this side built).</summary>
    public static ReadOnlySpan<byte> HandleOf(ReadOnlySpan<byte> body) =>
        body.Slice(20, (int)BinaryPrimitives.ReadUInt32BigEndian(body[16..]));
}

/// <summary>rpc_gss_init_res (RFC 2203 §5.2.3.1): the answer to INIT and CONTINUE_INIT.</summary>
internal readonly record struct GssInitResult(ReadOnlyMemory<byte> Handle, uint Major, uint Minor, uint SequenceWindow, ReadOnlyMemory<byte> Token)
    : IXdrSerializable<GssInitResult>
{
    public const uint Complete = 0;
    public const uint ContinueNeeded = 1;

    /// <summary>GSS_S_FAILURE (a calling error of 0, routine error 13 &lt;&lt; 16, RFC 2744 §3.9.1).</summary>
    public const uint Failure = 13u << 16;

    public static GssInitResult ReadFrom(ref XdrReader reader) => new(
        reader.ReadOpaque(GssCredential.MaxHandleLength), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadOpaque(64 * 1024));

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteOpaque(Handle.Span);
        writer.WriteUInt32(Major);
        writer.WriteUInt32(Minor);
        writer.WriteUInt32(SequenceWindow);
        writer.WriteOpaque(Token.Span);
    }
}

/// <summary>The protected bodies of RFC 2203 §5.3.2: rpc_gss_integ_data {databody_integ,
/// checksum} and rpc_gss_priv_data {databody_priv}, where the data body is the sequence number
/// followed by the arguments or results.</summary>
internal static class GssXdr
{
    public static bool TryReadOpaque(ref ReadOnlySpan<byte> span, out ReadOnlySpan<byte> body)
    {
        body = default;
        if (span.Length < 4)
        {
            return false;
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(span);
        long padded = ((long)length + 3) & ~3L;
        if (padded > span.Length - 4)
        {
            return false;
        }
        body = span.Slice(4, (int)length);
        span = span[(4 + (int)padded)..];
        return true;
    }

    public static void WriteOpaque(IBufferWriter<byte> output, ReadOnlySpan<byte> body)
    {
        int padded = (body.Length + 3) & ~3;
        Span<byte> span = output.GetSpan(4 + padded);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)body.Length);
        body.CopyTo(span[4..]);
        span.Slice(4 + body.Length, padded - body.Length).Clear();
        output.Advance(4 + padded);
    }

    /// <summary>The sequence number followed by <paramref name="body"/>, in a rented array.</summary>
    private static byte[] DataBody(uint sequence, ReadOnlySpan<byte> body, out int length)
    {
        length = 4 + body.Length;
        byte[] data = BytePool.Rent(length);
        BinaryPrimitives.WriteUInt32BigEndian(data, sequence);
        body.CopyTo(data.AsSpan(4));
        return data;
    }

    /// <summary>Writes <paramref name="body"/> protected with <paramref name="service"/> (which is not None).</summary>
    public static void Protect(IGssContext context, RpcGssService service, uint sequence, ReadOnlySpan<byte> body, IBufferWriter<byte> output)
    {
        byte[] data = DataBody(sequence, body, out int length);
        try
        {
            ReadOnlySpan<byte> dataBody = data.AsSpan(0, length);
            var token = new ArrayBufferWriter<byte>(service == RpcGssService.Privacy ? length + 128 : 64);
            if (service == RpcGssService.Integrity)
            {
                WriteOpaque(output, dataBody);
                context.GetMic(dataBody, token);
            }
            else if (!context.Wrap(dataBody, token))
            {
                throw new InvalidOperationException("the GSS mechanism could not encrypt (no confidentiality on this context)");
            }
            WriteOpaque(output, token.WrittenSpan);
        }
        finally
        {
            BytePool.Return(data);
        }
    }

    /// <summary>Checks and strips the protection of <paramref name="wire"/>: false when the
    /// checksum fails, the data does not unwrap, or the sequence number is not <paramref name="sequence"/>
    /// (RFC 2203 §5.3.3.4.2-3: a GARBAGE_ARGS on the server).</summary>
    public static bool TryUnprotect(IGssContext context, RpcGssService service, uint sequence, ReadOnlySpan<byte> wire, IBufferWriter<byte> output)
    {
        if (!TryReadOpaque(ref wire, out ReadOnlySpan<byte> first))
        {
            return false;
        }
        if (service == RpcGssService.Integrity)
        {
            if (!TryReadOpaque(ref wire, out ReadOnlySpan<byte> checksum) || first.Length < 4 || !context.VerifyMic(first, checksum))
            {
                return false;
            }
            return CopyBody(first, sequence, output);
        }
        var plain = new ArrayBufferWriter<byte>(first.Length);
        return context.TryUnwrap(first, plain) && CopyBody(plain.WrittenSpan, sequence, output);
    }

    private static bool CopyBody(ReadOnlySpan<byte> dataBody, uint sequence, IBufferWriter<byte> output)
    {
        if (dataBody.Length < 4 || BinaryPrimitives.ReadUInt32BigEndian(dataBody) != sequence)
        {
            return false;
        }
        output.Write(dataBody[4..]);
        return true;
    }

    /// <summary>The XDR encoding of one unsigned int: what the INIT reply verifier (seq_window)
    /// and data reply verifiers (seq_num) are MICs of (RFC 2203 §5.2.3.1, §5.3.3.2).</summary>
    public static byte[] Mic(IGssContext context, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        var mic = new ArrayBufferWriter<byte>(64);
        context.GetMic(bytes, mic);
        return mic.WrittenSpan.ToArray();
    }

    public static bool VerifyMic(IGssContext context, uint value, ReadOnlySpan<byte> mic)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return context.VerifyMic(bytes, mic);
    }
}
