using System.Buffers.Binary;
using System.Text;

namespace OncRpc.Tests.Support;

/// <summary>Hand-built XDR bytes for fake peers: calls, credentials and the exact replies the
/// server must send, written word by word from RFC 5531 §9 rather than with the runtime's own
/// encoder, so a bug in the encoder cannot hide itself.</summary>
public sealed class XdrBytes
{
    private readonly List<byte> _bytes = [];

    public XdrBytes U32(uint value)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, value);
        _bytes.AddRange(word);
        return this;
    }

    public XdrBytes U32(params uint[] values)
    {
        foreach (uint value in values)
        {
            U32(value);
        }
        return this;
    }

    public XdrBytes Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>Variable-length opaque: length, bytes, zero padding.</summary>
    public XdrBytes Opaque(ReadOnlySpan<byte> data)
    {
        U32((uint)data.Length);
        _bytes.AddRange(data);
        for (int i = data.Length; i % 4 != 0; i++)
        {
            _bytes.Add(0);
        }
        return this;
    }

    public XdrBytes String(string value) => Opaque(Encoding.UTF8.GetBytes(value));

    public byte[] ToArray() => [.. _bytes];

    public static byte[] Words(params uint[] values) => new XdrBytes().U32(values).ToArray();

    /// <summary>One XDR int.</summary>
    public static byte[] Int(int value) => Words((uint)value);

    /// <summary>A variable-length opaque on its own.</summary>
    public static byte[] OpaqueOf(ReadOnlySpan<byte> data) => new XdrBytes().Opaque(data).ToArray();

    /// <summary>An XDR string on its own (UTF-8).</summary>
    public static byte[] StringOf(string value) => new XdrBytes().String(value).ToArray();

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>The big-endian word at <paramref name="offset"/>.</summary>
    public static uint ReadU32(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);
}

/// <summary>RPC message builders for tests.</summary>
public static class RpcBytes
{
    public const uint Call = 0;
    public const uint Reply = 1;
    public const uint AuthNone = 0;
    public const uint AuthSys = 1;
    public const uint AuthShort = 2;

    /// <summary>A call message: xid, CALL, rpcvers, prog, vers, proc, cred, verf, args.</summary>
    public static byte[] CallMessage(uint xid, uint program, uint version, uint procedure,
        byte[]? arguments = null, uint credFlavor = AuthNone, byte[]? credBody = null,
        uint verfFlavor = AuthNone, byte[]? verfBody = null, uint rpcVersion = 2) =>
        new XdrBytes()
            .U32(xid, Call, rpcVersion, program, version, procedure)
            .U32(credFlavor).Opaque(credBody ?? [])
            .U32(verfFlavor).Opaque(verfBody ?? [])
            .Raw(arguments ?? [])
            .ToArray();

    /// <summary>An authsys_parms body.</summary>
    public static byte[] AuthSysBody(uint stamp, string machine, uint uid, uint gid, params uint[] gids)
    {
        var b = new XdrBytes().U32(stamp).Opaque(Encoding.Latin1.GetBytes(machine)).U32(uid, gid).U32((uint)gids.Length);
        return b.U32(gids).ToArray();
    }

    /// <summary>MSG_ACCEPTED with an AUTH_NONE verifier (unless given), accept_stat, then
    /// <paramref name="tail"/> (results, or low/high).</summary>
    public static byte[] Accepted(uint xid, uint acceptStat, byte[]? tail = null, uint verfFlavor = AuthNone, byte[]? verfBody = null) =>
        new XdrBytes().U32(xid, Reply, 0).U32(verfFlavor).Opaque(verfBody ?? []).U32(acceptStat).Raw(tail ?? []).ToArray();

    /// <summary>MSG_ACCEPTED SUCCESS, AUTH_NONE verifier, then the results (concatenated).</summary>
    public static byte[] Success(uint xid, params byte[][] results) => Accepted(xid, 0, XdrBytes.Concat(results));

    /// <summary>MSG_ACCEPTED SUCCESS with the given verifier, then the results.</summary>
    public static byte[] SuccessWithVerifier(uint xid, uint verfFlavor, byte[] verfBody, params byte[][] results) =>
        Accepted(xid, 0, XdrBytes.Concat(results), verfFlavor, verfBody);

    public static byte[] ProgramUnavailable(uint xid) => Accepted(xid, 1);

    public static byte[] ProgramMismatch(uint xid, uint low, uint high) => Accepted(xid, 2, XdrBytes.Words(low, high));

    public static byte[] ProcedureUnavailable(uint xid) => Accepted(xid, 3);

    public static byte[] GarbageArguments(uint xid) => Accepted(xid, 4);

    public static byte[] SystemError(uint xid) => Accepted(xid, 5);

    /// <summary>MSG_DENIED RPC_MISMATCH low high.</summary>
    public static byte[] RpcMismatch(uint xid, uint low, uint high) => XdrBytes.Words(xid, Reply, 1, 0, low, high);

    /// <summary>MSG_DENIED AUTH_ERROR stat.</summary>
    public static byte[] AuthError(uint xid, uint stat) => XdrBytes.Words(xid, Reply, 1, 1, stat);

    /// <summary>A record as fragments of the given sizes (0 allowed), the rest in the last one.</summary>
    public static byte[] Fragment(byte[] record, params int[] sizes)
    {
        var output = new List<byte>();
        int offset = 0;
        Span<byte> header = stackalloc byte[4];
        foreach (int size in sizes)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header, (uint)size);
            output.AddRange(header);
            output.AddRange(record.AsSpan(offset, size));
            offset += size;
        }
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x8000_0000u | (uint)(record.Length - offset));
        output.AddRange(header);
        output.AddRange(record.AsSpan(offset));
        return [.. output];
    }
}
