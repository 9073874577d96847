using System.Buffers;
using OncRpc.Auth;
using OncRpc.Auth.Internal;
using OncRpc.Protocol;
using OncRpc.Transport;
using OncRpc.Xdr;

namespace OncRpc.FuzzTargets;

public static partial class Targets
{
    private const int RecordCap = 64 * 1024;

    /// <summary>
    /// Record marking as a read loop sees it: the stream is decoded whole, then again delivered in
    /// pieces (sizes from the input's first byte); both must give the same records and the same
    /// outcome. Only <see cref="RpcException"/> with <see cref="RpcStatus.MessageTooLarge"/> may
    /// escape; no record exceeds the cap (counted over all its fragments), and the records never hold
    /// more bytes than arrived.
    /// </summary>
    private static void RecordMarkingTarget(byte[] input)
    {
        (List<byte[]> whole, bool wholeTooLarge) = DecodeRecords(input, input.Length);
        int piece = input.Length == 0 ? 1 : input[0] % 13 + 1;
        (List<byte[]> split, bool splitTooLarge) = DecodeRecords(input, piece);
        if (whole.Count != split.Count || wholeTooLarge != splitTooLarge
            || !whole.Zip(split).All(p => p.First.AsSpan().SequenceEqual(p.Second)))
        {
            throw new FuzzPropertyException($"records differ when the stream arrives in {piece}-byte pieces");
        }
        long total = 0;
        foreach (byte[] record in whole)
        {
            if (record.Length > RecordCap)
            {
                throw new FuzzPropertyException($"a {record.Length}-byte record passed the {RecordCap}-byte cap");
            }
            total += record.Length;
        }
        if (total > input.Length)
        {
            throw new FuzzPropertyException($"{total} record bytes from {input.Length} input bytes");
        }
    }

    private static (List<byte[]> Records, bool TooLarge) DecodeRecords(byte[] input, int piece)
    {
        var records = new List<byte[]>();
        using var decoder = new RecordDecoder(RecordCap);
        byte[] pending = [];
        try
        {
            for (int offset = 0; offset < input.Length; offset += piece)
            {
                pending = [.. pending, .. input.AsSpan(offset, Math.Min(piece, input.Length - offset))];
                var buffer = new ReadOnlySequence<byte>(pending);
                while (decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record))
                {
                    records.Add(record.ToArray());
                }
                pending = buffer.ToArray();
            }
            return (records, false);
        }
        catch (RpcException e) when (e.Status == RpcStatus.MessageTooLarge)
        {
            return (records, true);
        }
    }

    /// <summary>rpc_msg of a call as a peer reads it: xid and msg_type, then the call body. A CALL
    /// with rpcvers 2 re-encodes to the bytes read (ReadBody stops after any other rpcvers).</summary>
    private static void CallHeaderTarget(byte[] input)
    {
        bool version2Call = input.Length >= 12
            && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(4)) == (uint)RpcMessageType.Call
            && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(8)) == RpcCallHeader.RpcVersion;
        RoundTrip(input, (ref XdrReader r) =>
        {
            RpcMessageHeader m = RpcMessageHeader.ReadFrom(ref r);
            if (m.Type != RpcMessageType.Call)
            {
                throw new XdrException("not a call"); // as the server treats it: dropped
            }
            return RpcCallHeader.ReadBody(ref r, m.Xid, out _);
        }, version2Call ? (ref XdrWriter w, RpcCallHeader h) => h.WriteTo(ref w) : null);
    }

    /// <summary>rpc_msg of a reply as a client reads it; a REPLY re-encodes to the bytes read.</summary>
    private static void ReplyHeaderTarget(byte[] input)
    {
        Encode<RpcReplyHeader>? encode = input.Length >= 8 && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(4)) == 1
            ? (ref XdrWriter w, RpcReplyHeader h) => h.WriteTo(ref w)
            : null;
        RoundTrip(input, (ref XdrReader r) =>
        {
            RpcMessageHeader m = RpcMessageHeader.ReadFrom(ref r);
            if (m.Type != RpcMessageType.Reply)
            {
                throw new XdrException("not a reply"); // as the client treats it: not for it
            }
            RpcReplyHeader reply = RpcReplyHeader.ReadBody(ref r, m.Xid);
            // What a client does next with a refused reply: map it to an exception (not throw it).
            _ = reply.ToException(1, 1, 1);
            return reply;
        }, encode);
    }

    /// <summary>authsys_parms: decoded directly (Latin-1, as the runtime reads machine names), then
    /// as the credential of a call through the server's auth stage (and its parse cache).</summary>
    private static void AuthSysTarget(byte[] input)
    {
        RoundTrip(input, AuthSysParameters.ReadFrom, (ref XdrWriter w, AuthSysParameters p) => p.WriteTo(ref w), XdrStringEncoding.Latin1);
        Pipeline.RunCall(Pipeline.CallPrefix(Pipeline.Program, 1, 1, AuthFlavor.Sys), Opaque(input), Pipeline.NullVerifierAndIntArgument);
    }

    /// <summary>
    /// AUTH_SHORT: the handle cache resolving any body, then a call with the body as its AUTH_SHORT
    /// credential after an AUTH_SYS call earned a handle. The first byte says whether the body is
    /// XORed with the real handle (so zeros are the valid handle and mutations stay near it).
    /// </summary>
    private static void AuthShortTarget(byte[] input)
    {
        var cache = new ShortHandleCache(4);
        var identity = new AuthSysParameters(1, "fuzz", 1000, 100, [100]);
        byte[] handle = cache.GetOrAddVerifier(identity).Body.ToArray();
        byte[] body = input.Length > 0 ? input[1..] : [];
        if (input.Length > 0 && (input[0] & 1) != 0)
        {
            for (int i = 0; i < Math.Min(body.Length, handle.Length); i++)
            {
                body[i] ^= handle[i];
            }
        }
        AuthSysParameters? resolved = cache.TryResolve(body, out OpaqueAuth credential);
        if (resolved is not null && (resolved != identity || !credential.Body.Span.SequenceEqual(handle)))
        {
            throw new FuzzPropertyException("a handle resolved to another identity");
        }
        Pipeline.RunAuthShort(identity, input.Length > 0 && (input[0] & 1) != 0, input.Length > 0 ? input[1..] : []);
    }

    /// <summary>RPCSEC_GSS (flavor 6) on a server that serves it: the header stage reads credential
    /// and verifier (the input, from the credential's length on), the RPCSEC_GSS handler decodes
    /// rpc_gss_cred_t and looks the context up (unknown handles are refused before any
    /// Kerberos work; INIT tokens reach the mechanism).</summary>
    private static void RpcSecGssTarget(byte[] input) =>
        Pipeline.RunSecuredCall(Pipeline.CallPrefix(Pipeline.Program, 1, 1, AuthFlavor.RpcSecGss), input, []);

    /// <summary>The AUTH_TLS probe (RFC 9289 §4.1): a NULL call whose credential flavor is AUTH_TLS;
    /// the input is everything from the credential's length on (body, verifier, arguments).</summary>
    private static void TlsProbeTarget(byte[] input) =>
        Pipeline.RunSecuredCall(Pipeline.CallPrefix(Pipeline.Program, 1, 0, AuthFlavor.Tls), input, []);

    /// <summary>An XDR variable-length opaque holding <paramref name="body"/>.</summary>
    internal static byte[] Opaque(ReadOnlySpan<byte> body)
    {
        byte[] bytes = new byte[4 + (body.Length + 3) / 4 * 4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, body.Length);
        body.CopyTo(bytes.AsSpan(4));
        return bytes;
    }
}
