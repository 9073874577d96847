using OncRpc.Xdr;

namespace OncRpc.Rpcbind.Internal;

/// <summary>
/// The XDR linked lists of RFC 1833 (pmaplist, rp__list, rpcb_entry_list, rpcbs_addrlist,
/// rpcbs_rmtcalllist): each element is preceded by an optional-data flag TRUE, and a FALSE flag
/// ends the list (RFC 4506 §4.19). Decoded in a loop, never by recursion, so a hostile list of
/// any length costs no stack; each element takes at least 8 bytes of input, which bounds the
/// memory a list can claim to the input it came in.
/// </summary>
internal static class XdrList
{
    public static T[] Read<T>(ref XdrReader reader) where T : IXdrSerializable<T>
    {
        var items = new List<T>();
        while (reader.ReadOptionalFlag())
        {
            items.Add(T.ReadFrom(ref reader));
        }
        return [.. items];
    }

    public static void Write<T>(ref XdrWriter writer, IReadOnlyList<T> items) where T : IXdrSerializable<T>
    {
        for (int i = 0; i < items.Count; i++)
        {
            writer.WriteOptionalFlag(true);
            items[i].WriteTo(ref writer);
        }
        writer.WriteOptionalFlag(false);
    }

    public static bool SequenceEqual<T>(IReadOnlyList<T> left, IReadOnlyList<T> right) =>
        left.Count == right.Count && left.SequenceEqual(right);

    public static int SequenceHash<T>(IReadOnlyList<T> items)
    {
        var hash = new HashCode();
        foreach (T item in items)
        {
            hash.Add(item);
        }
        return hash.ToHashCode();
    }
}
