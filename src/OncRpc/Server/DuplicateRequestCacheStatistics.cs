namespace OncRpc.Server;

/// <summary>What the duplicate-request cache has done since the server started.</summary>
/// <param name="Entries">Entries held now (completed and in progress).</param>
/// <param name="Bytes">Bytes of cached replies held now.</param>
/// <param name="Executions">At-most-once calls executed (cache misses).</param>
/// <param name="Hits">Retransmissions answered from the cache instead of executed again.</param>
/// <param name="InProgressDuplicates">Retransmissions that arrived while the first execution
/// ran: dropped (UDP, or too many waiting) or answered when it finished.</param>
/// <param name="Evictions">Entries evicted for space, age or the per-client share, or dropped with an
/// incarnation that is over.</param>
/// <param name="Refused">Calls dropped because the cache was full of calls still running.</param>
/// <param name="Loaded">Entries loaded from the persistence folder at start.</param>
/// <param name="PersistenceFailures">Entries that could not be written to the persistence folder
/// (they stay cached in memory; the failure is logged).</param>
public readonly record struct DuplicateRequestCacheStatistics(
    int Entries,
    long Bytes,
    long Executions,
    long Hits,
    long InProgressDuplicates,
    long Evictions,
    long Refused,
    long Loaded,
    long PersistenceFailures);
