using OncRpc.Xdr;
using RoundTrip;

namespace OncRpc.FuzzTargets;

public static partial class Targets
{
    /// <summary>
    /// The code our compiler generates for allconstructs.x (every construct of the RPC language):
    /// byte 0 picks the type, the rest is decoded with its generated ReadFrom (only
    /// <see cref="XdrException"/> may escape; a list of any length decodes without recursion) and
    /// re-encoded with its generated WriteTo to the same bytes.
    /// </summary>
    private static void AllConstructsTarget(byte[] input)
    {
        ReadOnlySpan<byte> data = input.Length > 0 ? input.AsSpan(1) : [];
        switch (input.Length > 0 ? input[0] % 10 : 0)
        {
            case 0: Generated<Everything>(data); break;
            case 1: Generated<Node>(data); break;
            case 2: Generated<Link>(data); break;
            case 3: Generated<Result>(data); break;
            case 4: Generated<FlagUnion>(data); break;
            case 5: Generated<NumberUnion>(data); break;
            case 6: Generated<UnsignedUnion>(data); break;
            case 7: Generated<AllconstructsV1Procedures.AddArguments>(data); break;
            case 8: Generated<AllconstructsV1Procedures.FlagArguments>(data); break;
            default: Generated<AllconstructsV1Procedures.NameResult>(data); break;
        }
    }

    private static void Generated<T>(ReadOnlySpan<byte> data) where T : IXdrSerializable<T> =>
        RoundTrip(data, (ref XdrReader r) => T.ReadFrom(ref r), (ref XdrWriter w, T v) => v.WriteTo(ref w));
}
