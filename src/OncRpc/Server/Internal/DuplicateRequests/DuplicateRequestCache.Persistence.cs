namespace OncRpc.Server.Internal.DuplicateRequests;

internal sealed partial class DuplicateRequestCache
{
    private readonly DrcLog? _log;
    private readonly Lock _fileGate = new();

    /// <summary>At start: the entries a previous run completed, younger than MaxAge, oldest first
    /// (so the bounds keep the newest).</summary>
    private void LoadPersisted()
    {
        List<DrcLog.Record> records = _log!.ReadAll();
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long nowTicks = _time.GetTimestamp();
        lock (_gate)
        {
            foreach (DrcLog.Record record in records)
            {
                long ageMs = Math.Max(0, nowMs - record.CompletedUnixMs);
                if (ageMs > _options.MaxAge.TotalMilliseconds)
                {
                    continue;
                }
                if (!_clients.TryGetValue(record.ClientKey, out DrcClient? client))
                {
                    client = new DrcClient(record.ClientKey, ++_lastClientId);
                }
                ulong slot = record.Key.Slot(client.Id);
                if (_entries.TryGetValue(slot, out DrcEntry? existing))
                {
                    Evict(existing); // the later record of the same call wins
                }
                DrcEntry entry = new DrcEntry().Init(client, record.Key, slot);
                entry.KeepReply(record.Reply);
                entry.CompletedUnixMs = record.CompletedUnixMs;
                entry.LastUsed = nowTicks - (long)(ageMs / 1000.0 * _time.TimestampFrequency);
                if (entry.Weight > _options.MaxBytes || !MakeRoomFor(client))
                {
                    entry.ReleaseReply();
                    RemoveIfEmpty(client);
                    continue;
                }
                _clients.TryAdd(client.Key, client);
                _entries.Add(slot, entry);
                _lru.AddLast(entry.GlobalNode);
                client.Completed.AddLast(entry.ClientNode);
                _bytes += entry.Weight;
                _loaded++;
            }
        }
    }

    /// <summary>Writes a completed entry (before its reply is sent); compacts the file when it
    /// has grown well past the live entries. A failure (a full disk) is logged and counted: the
    /// entry stays cached in memory, and only a restart could forget it.</summary>
    private void Persist(DrcEntry entry, byte[] reply)
    {
        var record = new DrcLog.Record(entry.CompletedUnixMs, entry.Key, entry.Client.Key, reply);
        lock (_fileGate)
        {
            try
            {
                _log!.Append(record);
                long live;
                lock (_gate)
                {
                    live = _bytes;
                }
                if (_log.ShouldCompact(live))
                {
                    _log.Rewrite(SnapshotLive());
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogPersistenceFailure(e);
            }
            catch (ObjectDisposedException)
            {
                // A call that outlived a forced stop: the log is closed, nothing is lost that a
                // graceful stop would have kept.
            }
        }
    }

    private List<DrcLog.Record> SnapshotLive()
    {
        lock (_gate)
        {
            var live = new List<DrcLog.Record>(_lru.Count);
            foreach (DrcEntry entry in _lru)
            {
                live.Add(new DrcLog.Record(entry.CompletedUnixMs, entry.Key, entry.Client.Key, entry.Reply.ToArray()));
            }
            return live;
        }
    }
}
