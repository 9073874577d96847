namespace OncRpc.Server;

/// <summary>
/// The duplicate-request cache that makes at-most-once procedures
/// (<see cref="RpcCallSemantics.AtMostOnce"/>) run at most once per call: a retransmission of a
/// call that completed is answered with the cached reply, byte for byte, and one that arrives
/// while the first execution still runs is not executed again. Entries are keyed by xid, the
/// client's identity (address without port, and credential), program, version, procedure and a
/// checksum of the arguments, so a reused xid with other arguments is a new call.
/// See docs/semantics.md.
/// </summary>
public sealed class DuplicateRequestCacheOptions
{
    /// <summary>Entries kept at most (completed and in progress together). When full, the least
    /// recently used completed entry goes.</summary>
    public int MaxEntries { get; set; } = 65_536;

    /// <summary>Bytes of cached replies (plus a fixed overhead per entry) kept at most.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Entries one client may hold at most (a client at its cap evicts its own oldest).
    /// Whatever the cap, when the cache is full a client holding more than its fair share (the
    /// entries divided among the clients present) evicts its own oldest entry rather than
    /// another's, so one busy or hostile client cannot flush everyone else's; a client alone may
    /// fill the cache.</summary>
    public int MaxEntriesPerClient { get; set; } = 65_536;

    /// <summary>A completed entry unused for this long is evicted (knfsd keeps 120 s). Clients
    /// that retransmit for longer than this can see a call executed twice.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Retransmissions of a call still running that may wait for its reply (stream
    /// transports: the first reply may have gone to a connection that is gone); more are dropped.
    /// Over UDP an in-progress duplicate is always dropped: the first reply goes to the same
    /// address.</summary>
    public int MaxWaitersPerEntry { get; set; } = 4;

    /// <summary>Expiration of UDP orphans: a UDP call still running whose client has sent no
    /// retransmission for this long is cancelled (its handler's token fires), since a client that
    /// stopped retransmitting has given up. Null (the default): never. Set it to a few times the
    /// clients' retransmission interval.</summary>
    public TimeSpan? UdpOrphanTimeout { get; set; }

    /// <summary>A folder where entries and their replies are also written, so they survive a
    /// server restart (loaded at start). Null (the default): memory only.</summary>
    public string? PersistenceDirectory { get; set; }

    /// <summary>With <see cref="PersistenceDirectory"/>: each entry is flushed to disk (fsync)
    /// before its reply is sent, so a crash right after a reply cannot forget the call. False:
    /// written through the OS cache (a clean stop or process crash loses nothing; a power loss may).</summary>
    public bool WriteThrough { get; set; } = true;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEntries, 1, nameof(MaxEntries));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, 1024, nameof(MaxBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEntriesPerClient, 1, nameof(MaxEntriesPerClient));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxWaitersPerEntry, nameof(MaxWaitersPerEntry));
        if (MaxAge <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxAge), MaxAge, "must be positive");
        }
        if (UdpOrphanTimeout is { } orphan && orphan <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(UdpOrphanTimeout), orphan, "must be positive");
        }
    }
}
