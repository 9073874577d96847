using OncRpc.Xdr;

namespace OncRpc.Auth.Internal;

/// <summary>
/// Parsed AUTH_SYS credentials keyed by their exact body bytes (direct-mapped, 1024 slots).
/// A client sends the same body on every call (libtirpc stamps a credential once), so the
/// server decodes it once, not per call, and the call allocates nothing for it. Entries are
/// immutable and published with a single reference write: thread-safe without locks.
/// </summary>
internal sealed class AuthSysCache
{
    private const int Slots = 1024;
    private readonly Entry?[] _entries = new Entry?[Slots];

    /// <summary>The credential (with a body the cache owns) and its identity. Throws
    /// <see cref="XdrException"/> when the body is not a valid authsys_parms.</summary>
    public Entry GetOrParse(ReadOnlySpan<byte> body)
    {
        var hash = new HashCode();
        hash.AddBytes(body);
        int slot = (int)((uint)hash.ToHashCode() % Slots);
        Entry? entry = Volatile.Read(ref _entries[slot]);
        if (entry is not null && entry.Credential.Body.Span.SequenceEqual(body))
        {
            return entry;
        }
        var credential = new OpaqueAuth(AuthFlavor.Sys, body.ToArray());
        entry = new Entry(credential, AuthSysParameters.FromOpaqueAuth(credential));
        Volatile.Write(ref _entries[slot], entry);
        return entry;
    }

    internal sealed class Entry(OpaqueAuth credential, AuthSysParameters identity)
    {
        public OpaqueAuth Credential { get; } = credential;
        public AuthSysParameters Identity { get; } = identity;
    }
}
