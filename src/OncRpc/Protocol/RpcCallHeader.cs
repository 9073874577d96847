using OncRpc.Auth;
using OncRpc.Xdr;

namespace OncRpc.Protocol;

/// <summary>
/// The fixed part of a call message (RFC 5531 §9 rpc_msg with call_body): everything before the
/// procedure's arguments.
/// </summary>
public readonly record struct RpcCallHeader(
    uint Xid, uint Program, uint Version, uint Procedure, OpaqueAuth Credential, OpaqueAuth Verifier)
{
    /// <summary>The only RPC protocol version (RFC 5531 §8).</summary>
    public const uint RpcVersion = 2;

    /// <summary>Writes xid, CALL, rpcvers 2, prog, vers, proc, cred, verf.</summary>
    public void WriteTo(ref XdrWriter writer)
    {
        WriteThroughCredential(ref writer);
        Verifier.WriteTo(ref writer);
    }

    /// <summary>Writes the header up to and including the credential: the part RPCSEC_GSS signs
    /// (RFC 2203 §5.3.1).</summary>
    internal void WriteThroughCredential(ref XdrWriter writer)
    {
        writer.WriteUInt32(Xid);
        writer.WriteInt32((int)RpcMessageType.Call);
        writer.WriteUInt32(RpcVersion);
        writer.WriteUInt32(Program);
        writer.WriteUInt32(Version);
        writer.WriteUInt32(Procedure);
        Credential.WriteTo(ref writer);
    }

    /// <summary>Reads the call body after xid and msg_type have been read
    /// (<see cref="RpcMessageHeader.ReadFrom"/>). Returns the rpcvers the caller sent in
    /// <paramref name="rpcVersion"/>: a server answers RPC_MISMATCH when it is not 2, and then
    /// the rest of the header is not read.</summary>
    public static RpcCallHeader ReadBody(ref XdrReader reader, uint xid, out uint rpcVersion)
    {
        rpcVersion = reader.ReadUInt32();
        if (rpcVersion != RpcVersion)
        {
            return new RpcCallHeader(xid, 0, 0, 0, default, default);
        }
        uint program = reader.ReadUInt32();
        uint version = reader.ReadUInt32();
        uint procedure = reader.ReadUInt32();
        OpaqueAuth credential = OpaqueAuth.ReadFrom(ref reader);
        OpaqueAuth verifier = OpaqueAuth.ReadFrom(ref reader);
        return new RpcCallHeader(xid, program, version, procedure, credential, verifier);
    }
}

/// <summary>The first two words of every message: xid and msg_type (RFC 5531 §9).</summary>
public readonly record struct RpcMessageHeader(uint Xid, RpcMessageType Type)
{
    /// <summary>Reads xid and msg_type; a msg_type other than CALL or REPLY throws <see cref="XdrException"/>.</summary>
    public static RpcMessageHeader ReadFrom(ref XdrReader reader)
    {
        uint xid = reader.ReadUInt32();
        int type = reader.ReadInt32();
        if (type is not ((int)RpcMessageType.Call or (int)RpcMessageType.Reply))
        {
            throw XdrGeneratedCode.UndeclaredEnum(in reader, "msg_type", type);
        }
        return new RpcMessageHeader(xid, (RpcMessageType)type);
    }
}
