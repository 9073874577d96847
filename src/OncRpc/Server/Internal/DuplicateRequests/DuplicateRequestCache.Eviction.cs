namespace OncRpc.Server.Internal.DuplicateRequests;

internal sealed partial class DuplicateRequestCache
{
    private readonly ITimer? _orphanTimer;

    /// <summary>Under the lock: room for one more entry of <paramref name="client"/>. A client at
    /// its cap, or holding more than its fair share of a full cache (the entries divided among the
    /// clients present), makes room among its own entries, so it cannot flush the others'; otherwise
    /// the least recently used entry of anyone goes. A client alone may fill the cache. False when
    /// only running calls fill the space.</summary>
    private bool MakeRoomFor(DrcClient client)
    {
        if (client.Count >= _options.MaxEntriesPerClient && !EvictOwnOldest(client))
        {
            return false;
        }
        long floor = EntryOverhead + client.Key.Length;
        while (_entries.Count >= _options.MaxEntries || _bytes + floor > _options.MaxBytes)
        {
            int fairShare = Math.Max(1, _options.MaxEntries / Math.Max(1, _clients.Count));
            if (!(client.Count >= fairShare && EvictOwnOldest(client)) && !EvictOldest())
            {
                return false;
            }
        }
        return true;
    }

    private bool EvictOwnOldest(DrcClient client)
    {
        if (client.Completed.First is not { } own)
        {
            return false;
        }
        Evict(own.Value);
        return true;
    }

    /// <summary>Under the lock: evicts the least recently used completed entry; false if none.</summary>
    private bool EvictOldest()
    {
        if (_lru.First is not { } oldest)
        {
            return false;
        }
        Evict(oldest.Value);
        return true;
    }

    /// <summary>Under the lock: completed entries unused for longer than MaxAge go.</summary>
    private void ExpireOld(long now)
    {
        while (_lru.First is { } oldest && now - oldest.Value.LastUsed > _maxAgeTicks)
        {
            Evict(oldest.Value);
        }
    }

    private void Evict(DrcEntry entry)
    {
        _lru.Remove(entry.GlobalNode);
        entry.Client.Completed.Remove(entry.ClientNode);
        _entries.Remove(entry.Slot);
        _bytes -= entry.Weight;
        _evictions++;
        entry.ReleaseReply();
        Diagnostics.ServerTelemetry.RecordDuplicateRequest("evicted");
        RemoveIfEmpty(entry.Client);
        Recycle(entry);
    }

    /// <summary>Timer: cancels UDP calls whose client stopped retransmitting (it gave up on them).</summary>
    private void ExpireUdpOrphans()
    {
        long timeout = (long)(_options.UdpOrphanTimeout!.Value.TotalSeconds * _time.TimestampFrequency);
        long now = _time.GetTimestamp();
        List<CancellationTokenSource>? expired = null;
        lock (_gate)
        {
            foreach (DrcEntry entry in _orphanWatch!)
            {
                if (entry.Orphan is { IsCancellationRequested: false } orphan && now - entry.LastSeen > timeout)
                {
                    (expired ??= []).Add(orphan);
                }
            }
        }
        foreach (CancellationTokenSource orphan in expired ?? [])
        {
            try
            {
                orphan.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Completed meanwhile.
            }
            catch (AggregateException)
            {
                // A handler's cancellation callback threw: its own bug, and a timer thread must
                // not die of it.
            }
        }
    }
}
