namespace OncRpc.Tests.Support;

/// <summary>A call message as a fake server saw it, parsed by hand (RFC 5531 §9), independent of
/// the codec under test.</summary>
internal sealed record ReceivedCall(
    uint Xid, uint MessageType, uint RpcVersion, uint Program, uint Version, uint Procedure,
    uint CredentialFlavor, byte[] CredentialBody, uint VerifierFlavor, byte[] VerifierBody, byte[] Arguments, byte[] Message)
{
    public static ReceivedCall Parse(byte[] message)
    {
        ReadOnlySpan<byte> m = message;
        int offset = 24;
        uint credFlavor = XdrBytes.ReadU32(m, offset);
        int credLength = (int)XdrBytes.ReadU32(m, offset + 4);
        byte[] credBody = m.Slice(offset + 8, credLength).ToArray();
        offset += 8 + ((credLength + 3) & ~3);
        uint verfFlavor = XdrBytes.ReadU32(m, offset);
        int verfLength = (int)XdrBytes.ReadU32(m, offset + 4);
        byte[] verfBody = m.Slice(offset + 8, verfLength).ToArray();
        offset += 8 + ((verfLength + 3) & ~3);
        return new ReceivedCall(XdrBytes.ReadU32(m, 0), XdrBytes.ReadU32(m, 4), XdrBytes.ReadU32(m, 8), XdrBytes.ReadU32(m, 12),
            XdrBytes.ReadU32(m, 16), XdrBytes.ReadU32(m, 20), credFlavor, credBody, verfFlavor, verfBody, m[offset..].ToArray(), message);
    }

    public int IntArgument => (int)XdrBytes.ReadU32(Arguments, 0);
}
