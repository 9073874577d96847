using OncRpc.Xdr;

namespace OncRpc.Rpcbind.Internal;

/// <summary>Already-encoded XDR passed through untouched: the arguments and results of a
/// forwarded call. Reading takes every remaining byte (a whole number of XDR units).</summary>
internal readonly record struct RawXdr(ReadOnlyMemory<byte> Bytes) : IXdrSerializable<RawXdr>
{
    public static RawXdr ReadFrom(ref XdrReader reader)
    {
        long remaining = reader.Remaining;
        if (remaining % 4 != 0 || remaining > int.MaxValue)
        {
            throw new XdrException(reader.Position, $"{remaining} bytes of results are not whole XDR units");
        }
        return new RawXdr(reader.ReadFixedOpaque((int)remaining));
    }

    public void WriteTo(ref XdrWriter writer) => writer.WriteFixedOpaque(Bytes.Span);
}
