using Microsoft.Extensions.Logging;
using OncRpc.Diagnostics;

namespace OncRpc.Server.Internal.DuplicateRequests;

/// <summary>What the cache says to do with an at-most-once call.</summary>
internal enum DrcDecision
{
    /// <summary>First time seen: run it (an in-progress entry now stands for it).</summary>
    Execute,

    /// <summary>Completed before: answer with the cached reply.</summary>
    Replay,

    /// <summary>Running now, or no room: send nothing (the client retransmits).</summary>
    Drop,

    /// <summary>Running now: wait for the first execution and answer with its reply.</summary>
    Wait,
}

/// <summary>
/// The duplicate-request cache of one server (see <see cref="DuplicateRequestCacheOptions"/>).
/// Invariants, all under <c>_gate</c>: every entry is in <c>_entries</c>; an in-progress entry is
/// in no LRU list (and, with UDP orphan expiry, in <c>_orphanWatch</c> while it has a token source); a completed entry is in the global LRU list and its
/// client's, and counts in <c>_bytes</c>; a client is in <c>_clients</c> exactly while it has an
/// entry; the entries never exceed MaxEntries, nor a client's its share, nor the completed ones'
/// weight MaxBytes (a completed reply that alone would is not kept).
/// </summary>
internal sealed partial class DuplicateRequestCache : IDisposable
{
    /// <summary>Bytes charged per entry besides its reply and client key (objects, list nodes,
    /// dictionary slot).</summary>
    public const int EntryOverhead = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<byte[], DrcClient> _clients = new(ByteKeyComparer.Instance);
    private readonly Dictionary<ulong, DrcEntry> _entries = [];
    private readonly LinkedList<DrcEntry> _lru = new();
    private readonly HashSet<DrcEntry>? _orphanWatch;
    private readonly Stack<DrcEntry> _free = new();
    private readonly DuplicateRequestCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _maxAgeTicks;
    private long _bytes;
    private long _lastClientId;
    private long _executions, _hits, _inProgressDuplicates, _evictions, _refused, _loaded, _persistenceFailures;

    public DuplicateRequestCache(DuplicateRequestCacheOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _maxAgeTicks = (long)(options.MaxAge.TotalSeconds * time.TimestampFrequency);
        if (options.PersistenceDirectory is { } directory)
        {
            _log = new DrcLog(directory, options.WriteThrough);
            LoadPersisted();
        }
        if (options.UdpOrphanTimeout is { } orphanTimeout)
        {
            TimeSpan period = TimeSpan.FromTicks(Math.Max(orphanTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond));
            _orphanWatch = [];
            _orphanTimer = time.CreateTimer(static s => ((DuplicateRequestCache)s!).ExpireUdpOrphans(), this, period, period);
        }
    }

    public DuplicateRequestCacheStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new DuplicateRequestCacheStatistics(_entries.Count, _bytes, _executions, _hits, _inProgressDuplicates,
                    _evictions, _refused, _loaded, Interlocked.Read(ref _persistenceFailures));
            }
        }
    }

    /// <summary>Looks the call up. Execute: <paramref name="entry"/> is its new in-progress entry,
    /// to finish with <see cref="Complete"/> or <see cref="Abandon"/>. Replay: the call holds the
    /// cached reply already. Wait: <paramref name="entry"/> is the running one, to wait on with
    /// <see cref="WaitForReplyAsync"/>.</summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // the key buffer is read only as far as it is written
    public DrcDecision Begin(RpcCall call, out DrcEntry? entry)
    {
        Span<byte> keyBytes = stackalloc byte[DrcClient.MaxKeyLength];
        keyBytes = keyBytes[..DrcClient.WriteKey(keyBytes, call.RemoteEndPoint, call.Transport, call.Credential, call.Site)];
        var key = new DrcCallKey(call.Xid, call.Program, call.Version, call.Procedure,
            System.IO.Hashing.XxHash3.HashToUInt64(call.Arguments));
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            ExpireOld(now);
            var clients = _clients.GetAlternateLookup<ReadOnlySpan<byte>>();
            entry = null;
            // A client the cache does not know has no entry: only a known one's slot is looked up.
            if (clients.TryGetValue(keyBytes, out DrcClient? client)
                && _entries.TryGetValue(key.Slot(client.Id), out entry) && !(ReferenceEquals(entry.Client, client) && entry.Key == key))
            {
                // Another call in the same 64-bit slot (about one chance in 2^64 per pair): the
                // older one gives way; a running one cannot, so this call waits for a retransmission.
                if (entry.InProgress)
                {
                    _refused++;
                    ServerTelemetry.RecordDuplicateRequest("refused");
                    entry = null;
                    return DrcDecision.Drop;
                }
                Evict(entry);
                entry = null;
            }
            if (entry is not null)
            {
                if (entry.IsCompleted)
                {
                    Touch(entry, now);
                    _hits++;
                    ServerTelemetry.RecordDuplicateRequest("replayed");
                    call.ReplyCached(entry.Reply);
                    entry = null;
                    return DrcDecision.Replay;
                }
                _inProgressDuplicates++;
                ServerTelemetry.RecordDuplicateRequest("in_progress");
                entry.LastSeen = now;
                if (call.Transport == RpcTransportKind.Udp || entry.Waiters >= _options.MaxWaitersPerEntry)
                {
                    entry = null;
                    return DrcDecision.Drop;
                }
                entry.Waiters++;
                entry.Finished ??= new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously);
                return DrcDecision.Wait;
            }
            client ??= new DrcClient(keyBytes.ToArray(), ++_lastClientId);
            ulong slot = key.Slot(client.Id);
            if (!MakeRoomFor(client))
            {
                _refused++;
                ServerTelemetry.RecordDuplicateRequest("refused");
                RemoveIfEmpty(client);
                entry = null;
                return DrcDecision.Drop;
            }
            // Making room may have evicted the client's last entry, and the client with it.
            _clients.TryAdd(client.Key, client);
            entry = (_free.TryPop(out DrcEntry? recycled) ? recycled : new DrcEntry()).Init(client, key, slot);
            entry.LastSeen = now;
            entry.Transport = call.Transport;
            entry.InProgress = true;
            _entries.Add(slot, entry);
            client.InProgress++;
            _executions++;
            if (_orphanWatch is not null && call.Transport == RpcTransportKind.Udp)
            {
                entry.Orphan = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken);
                call.CancellationToken = entry.Orphan.Token;
                _orphanWatch.Add(entry);
            }
            return DrcDecision.Execute;
        }
    }

    /// <summary>The first execution of <paramref name="entry"/> ended with the call's reply (or
    /// none, when it was dropped: then the entry goes, and a retransmission runs it again). The
    /// reply is persisted, when configured, before this returns: before it is sent.</summary>
    public void Complete(DrcEntry entry, RpcCall call)
    {
        if (!call.HasReply)
        {
            Abandon(entry);
            return;
        }
        ReadOnlySpan<byte> reply = call.Reply.WrittenSpan[call.ReplyPrefix..];
        bool keep;
        TaskCompletionSource<byte[]?>? finished;
        CancellationTokenSource? orphan;
        lock (_gate)
        {
            (finished, orphan) = (entry.Finished, entry.Orphan);
            keep = FinishInProgress(entry) && entry.Weight + reply.Length <= _options.MaxBytes;
            if (keep)
            {
                entry.KeepReply(reply);
                entry.LastUsed = _time.GetTimestamp();
                // Wall-clock time only matters on disk (ages across a restart).
                entry.CompletedUnixMs = _log is null ? 0 : _time.GetUtcNow().ToUnixTimeMilliseconds();
                _lru.AddLast(entry.GlobalNode);
                entry.Client.Completed.AddLast(entry.ClientNode);
                _bytes += entry.Weight;
                while (_bytes > _options.MaxBytes && EvictOldest())
                {
                }
            }
            else
            {
                Forget(entry);
            }
        }
        // Waiters and the log get copies of their own: the entry's buffer goes back to the pool
        // when it is evicted, which may happen at any time now.
        finished?.TrySetResult(reply.ToArray());
        orphan?.Dispose();
        if (keep && _log is not null)
        {
            Persist(entry, reply.ToArray());
        }
    }

    /// <summary>The first execution ended without a reply to keep: forget the call.</summary>
    public void Abandon(DrcEntry entry)
    {
        TaskCompletionSource<byte[]?>? finished;
        CancellationTokenSource? orphan;
        lock (_gate)
        {
            (finished, orphan) = (entry.Finished, entry.Orphan);
            if (FinishInProgress(entry))
            {
                Forget(entry);
            }
        }
        finished?.TrySetResult(null);
        orphan?.Dispose();
    }

    /// <summary>Waits (bounded by <paramref name="cancellationToken"/>) for a running entry's
    /// first execution; its reply, or null when it ended without one.</summary>
    public async ValueTask<byte[]?> WaitForReplyAsync(DrcEntry entry, CancellationToken cancellationToken)
    {
        Task<byte[]?> finished;
        lock (_gate)
        {
            finished = entry.Finished!.Task;
        }
        try
        {
            return await finished.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        finally
        {
            lock (_gate)
            {
                if (ReferenceEquals(entry.Finished?.Task, finished))
                {
                    entry.Waiters--; // still the same call: the entry was not recycled meanwhile
                }
            }
        }
    }

    /// <summary>Reincarnation: drops every entry of the client identified by this address and
    /// credential (an incarnation that is over).</summary>
    public void DropClient(System.Net.EndPoint? remote, RpcTransportKind transport, Auth.OpaqueAuth credential)
    {
        Span<byte> keyBytes = stackalloc byte[DrcClient.MaxKeyLength];
        keyBytes = keyBytes[..DrcClient.WriteKey(keyBytes, remote, transport, credential, site: null)];
        lock (_gate)
        {
            if (!_clients.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(keyBytes, out DrcClient? client))
            {
                return;
            }
            while (client.Completed.First is { } oldest)
            {
                Evict(oldest.Value);
            }
        }
    }

    /// <summary>Under the lock: the entry leaves the in-progress set; false if it had left already.</summary>
    private bool FinishInProgress(DrcEntry entry)
    {
        if (!entry.InProgress)
        {
            return false;
        }
        entry.InProgress = false;
        entry.Client.InProgress--;
        _orphanWatch?.Remove(entry);
        return true;
    }

    /// <summary>Under the lock: an entry no list holds leaves the cache and is recycled.</summary>
    private void Forget(DrcEntry entry)
    {
        _entries.Remove(entry.Slot);
        RemoveIfEmpty(entry.Client);
        Recycle(entry);
    }

    private void Recycle(DrcEntry entry)
    {
        if (entry.Waiters > 0)
        {
            return; // a waiter may still look at it: let the collector have it
        }
        entry.Clear();
        if (_free.Count < MaxFreeEntries)
        {
            _free.Push(entry);
        }
    }

    private const int MaxFreeEntries = 1024;

    private void Touch(DrcEntry entry, long now)
    {
        entry.LastUsed = now;
        _lru.Remove(entry.GlobalNode);
        _lru.AddLast(entry.GlobalNode);
        entry.Client.Completed.Remove(entry.ClientNode);
        entry.Client.Completed.AddLast(entry.ClientNode);
    }

    private void RemoveIfEmpty(DrcClient client)
    {
        if (client.Count == 0)
        {
            _clients.Remove(client.Key);
        }
    }

    public void Dispose()
    {
        _orphanTimer?.Dispose();
        _log?.Dispose();
    }

    private void LogPersistenceFailure(Exception e)
    {
        Interlocked.Increment(ref _persistenceFailures);
        ServerLog.DuplicateCachePersistenceFailed(_logger, e, _options.PersistenceDirectory);
    }
}
