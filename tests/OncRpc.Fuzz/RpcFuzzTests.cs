using System.Buffers;
using OncRpc.Auth;
using OncRpc.Protocol;
using OncRpc.Xdr;

namespace OncRpc.Fuzz;

/// <summary>The RPC message decoders of src/OncRpc (RFC 5531 §9 rpc_msg, Appendix A authsys_parms),
/// fuzzed read-only. Each body fuzzer starts after xid and msg_type, as the runtime calls them.</summary>
public sealed class RpcFuzzTests
{
    private static readonly OpaqueAuth s_sys =
        new AuthSysParameters(7, "client.example", 1000, 100, [100, 4, 27]).ToOpaqueAuth();

    /// <summary>Writes a header with WriteTo and drops its first 8 bytes (xid, msg_type).</summary>
    private static void WriteBody(ref XdrWriter writer, WriteHeader write)
    {
        var whole = new ArrayBufferWriter<byte>();
        var inner = new XdrWriter(whole);
        write(ref inner);
        inner.Flush();
        writer.WriteFixedOpaque(whole.WrittenSpan[8..]); // a multiple of 4: no padding
    }

    private delegate void WriteHeader(ref XdrWriter writer);

    [FuzzFact]
    public void MessageHeader() => FuzzRunner.Run("rpc_msg xid+msg_type", RpcMessageHeader.ReadFrom,
        (ref XdrWriter w, RpcMessageHeader h) => { w.WriteUInt32(h.Xid); w.WriteInt32((int)h.Type); },
        [Convert.FromHexString("0000002a00000000"), Convert.FromHexString("ffffffff00000001")]);

    private readonly record struct CallBody(RpcCallHeader Header, uint RpcVersion);

    private static void WriteCall(ref XdrWriter w, CallBody body)
    {
        if (body.RpcVersion != RpcCallHeader.RpcVersion)
        {
            // ReadBody stops after a foreign rpcvers (the server answers RPC_MISMATCH).
            w.WriteUInt32(body.RpcVersion);
            return;
        }
        RpcCallHeader header = body.Header;
        WriteBody(ref w, (ref XdrWriter inner) => header.WriteTo(ref inner));
    }

    [FuzzFact]
    public void CallBodyDecoder() => FuzzRunner.Run("call_body",
        (ref XdrReader r) =>
        {
            RpcCallHeader h = RpcCallHeader.ReadBody(ref r, 0, out uint version);
            return new CallBody(h, version);
        },
        WriteCall,
        [
            FuzzRunner.Seed(new CallBody(new RpcCallHeader(0, 100000, 2, 3, OpaqueAuth.None, OpaqueAuth.None), 2), WriteCall),
            FuzzRunner.Seed(new CallBody(new RpcCallHeader(0, 100003, 3, 1, s_sys, OpaqueAuth.None), 2), WriteCall),
            FuzzRunner.Seed(new CallBody(default, 3), WriteCall),
        ]);

    private static void WriteReply(ref XdrWriter w, RpcReplyHeader h) => WriteBody(ref w, (ref XdrWriter inner) => h.WriteTo(ref inner));

    [FuzzFact]
    public void ReplyBodyDecoder() => FuzzRunner.Run("reply_body",
        (ref XdrReader r) => RpcReplyHeader.ReadBody(ref r, 0),
        WriteReply,
        [
            FuzzRunner.Seed(RpcReplyHeader.Success(0), WriteReply),
            FuzzRunner.Seed(RpcReplyHeader.Success(0, new OpaqueAuth(AuthFlavor.Short, new byte[] { 1, 2, 3, 4, 5 })), WriteReply),
            FuzzRunner.Seed(RpcReplyHeader.Accepted(0, AcceptStat.ProgramMismatch, 2, 4), WriteReply),
            FuzzRunner.Seed(RpcReplyHeader.Accepted(0, AcceptStat.GarbageArguments), WriteReply),
            FuzzRunner.Seed(RpcReplyHeader.RpcMismatch(0, 2, 2), WriteReply),
            FuzzRunner.Seed(RpcReplyHeader.AuthError(0, AuthStat.TooWeak), WriteReply),
        ]);

    [FuzzFact]
    public void AuthSys() => FuzzRunner.Run("authsys_parms", AuthSysParameters.ReadFrom,
        (ref XdrWriter w, AuthSysParameters p) => p.WriteTo(ref w),
        [s_sys.Body.ToArray(), new AuthSysParameters(0, "", 0, 0, []).ToOpaqueAuth().Body.ToArray()],
        XdrStringEncoding.Latin1);
}
