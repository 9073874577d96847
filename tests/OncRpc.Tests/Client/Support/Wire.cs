using System.Buffers.Binary;
using System.Text;

namespace OncRpc.Tests.Client.Support;

/// <summary>Hand-built XDR bytes, independent of the codec under test.</summary>
internal static class Wire
{
    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] I32(int value) => U32((uint)value);

    public static byte[] Opaque(byte[] data)
    {
        int padded = (data.Length + 3) & ~3;
        var bytes = new byte[4 + padded];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)data.Length);
        data.CopyTo(bytes, 4);
        return bytes;
    }

    public static byte[] String(string value) => Opaque(Encoding.UTF8.GetBytes(value));

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static uint ReadU32(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32BigEndian(bytes[offset..]);

    /// <summary>Wraps a message as one last fragment.</summary>
    public static byte[] Record(byte[] message) => Concat(U32((uint)message.Length | 0x8000_0000u), message);
}

/// <summary>Reply messages built by hand (RFC 5531 §9).</summary>
internal static class Replies
{
    private static readonly byte[] NullVerifier = Wire.Concat(Wire.U32(0), Wire.U32(0));

    public static byte[] Success(uint xid, params byte[][] results) =>
        Wire.Concat([Wire.U32(xid), Wire.U32(1), Wire.U32(0), NullVerifier, Wire.U32(0), .. results]);

    public static byte[] SuccessWithVerifier(uint xid, uint flavor, byte[] body, params byte[][] results) =>
        Wire.Concat([Wire.U32(xid), Wire.U32(1), Wire.U32(0), Wire.U32(flavor), Wire.Opaque(body), Wire.U32(0), .. results]);

    public static byte[] Accepted(uint xid, uint acceptStat) =>
        Wire.Concat(Wire.U32(xid), Wire.U32(1), Wire.U32(0), NullVerifier, Wire.U32(acceptStat));

    public static byte[] ProgramMismatch(uint xid, uint low, uint high) =>
        Wire.Concat(Accepted(xid, 2), Wire.U32(low), Wire.U32(high));

    public static byte[] RpcMismatch(uint xid, uint low, uint high) =>
        Wire.Concat(Wire.U32(xid), Wire.U32(1), Wire.U32(1), Wire.U32(0), Wire.U32(low), Wire.U32(high));

    public static byte[] AuthError(uint xid, uint stat) =>
        Wire.Concat(Wire.U32(xid), Wire.U32(1), Wire.U32(1), Wire.U32(1), Wire.U32(stat));
}

/// <summary>A call message as the fake server saw it.</summary>
internal sealed record ReceivedCall(
    uint Xid, uint MessageType, uint RpcVersion, uint Program, uint Version, uint Procedure,
    uint CredentialFlavor, byte[] CredentialBody, uint VerifierFlavor, byte[] VerifierBody, byte[] Arguments, byte[] Message)
{
    public static ReceivedCall Parse(byte[] message)
    {
        ReadOnlySpan<byte> m = message;
        int offset = 24;
        uint credFlavor = Wire.ReadU32(m, offset);
        int credLength = (int)Wire.ReadU32(m, offset + 4);
        byte[] credBody = m.Slice(offset + 8, credLength).ToArray();
        offset += 8 + ((credLength + 3) & ~3);
        uint verfFlavor = Wire.ReadU32(m, offset);
        int verfLength = (int)Wire.ReadU32(m, offset + 4);
        byte[] verfBody = m.Slice(offset + 8, verfLength).ToArray();
        offset += 8 + ((verfLength + 3) & ~3);
        return new ReceivedCall(Wire.ReadU32(m, 0), Wire.ReadU32(m, 4), Wire.ReadU32(m, 8), Wire.ReadU32(m, 12),
            Wire.ReadU32(m, 16), Wire.ReadU32(m, 20), credFlavor, credBody, verfFlavor, verfBody, m[offset..].ToArray(), message);
    }

    public int IntArgument => (int)Wire.ReadU32(Arguments, 0);
}
