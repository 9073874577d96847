using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace OncRpc.Auth.Gss.Internal;

/// <summary>One server-side RPCSEC_GSS context: the GSS context, its handle, its replay window.</summary>
internal sealed class GssServerContext(ulong id, IGssContext gss, IPAddress? client, int window)
{
    public ulong Id { get; } = id;
    public IGssContext Gss { get; } = gss;
    public IPAddress? Client { get; } = client;
    public GssReplayWindow Window { get; } = new(window);
    public volatile bool Established;
    public string? PrincipalName;
    public long LastUsedMs;

    public byte[] Handle
    {
        get
        {
            byte[] handle = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(handle, Id);
            return handle;
        }
    }
}

/// <summary>
/// The server's RPCSEC_GSS contexts, bounded: at most <c>maxContexts</c> in all (a new one evicts
/// the least recently used when full) and at most <c>maxPerClient</c> per client address, so one
/// host cannot fill the table; contexts idle longer than <c>idleTimeout</c> (measured on the
/// server's <see cref="TimeProvider"/>) are expired, and their client renegotiates on the
/// CTXPROBLEM it gets. Handles are 8 random bytes, so a guessed handle finds nothing.
/// </summary>
internal sealed class GssContextTable(int maxContexts, int maxPerClient, TimeSpan idleTimeout, TimeProvider time) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, GssServerContext> _contexts = [];
    private readonly Dictionary<IPAddress, int> _perClient = [];

    private long NowMs => time.GetTimestamp() * 1000 / time.TimestampFrequency;

    private long IdleMs => (long)idleTimeout.TotalMilliseconds;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _contexts.Count;
            }
        }
    }

    /// <summary>Adds a context for <paramref name="client"/>; null when that client has too many.</summary>
    public GssServerContext? TryCreate(IPAddress? client, IGssContext gss, int window)
    {
        lock (_lock)
        {
            long now = NowMs;
            if (client is not null && _perClient.TryGetValue(client, out int count) && count >= maxPerClient)
            {
                // Expired contexts of this client do not count against it.
                RemoveExpired(now);
                if (_perClient.TryGetValue(client, out count) && count >= maxPerClient)
                {
                    return null;
                }
            }
            if (_contexts.Count >= maxContexts)
            {
                RemoveExpired(now);
                if (_contexts.Count >= maxContexts)
                {
                    GssServerContext oldest = _contexts.Values.MinBy(c => c.LastUsedMs)!;
                    RemoveLocked(oldest);
                }
            }
            ulong id;
            do
            {
                id = BinaryPrimitives.ReadUInt64BigEndian(RandomNumberGenerator.GetBytes(8));
            }
            while (_contexts.ContainsKey(id));
            var context = new GssServerContext(id, gss, client, window) { LastUsedMs = now };
            _contexts.Add(id, context);
            if (client is not null)
            {
                _perClient[client] = _perClient.GetValueOrDefault(client) + 1;
            }
            return context;
        }
    }

    /// <summary>Finds the context of <paramref name="handle"/>. <paramref name="expired"/>: it
    /// existed but was idle too long (and is gone now).</summary>
    public GssServerContext? Find(ReadOnlySpan<byte> handle, out bool expired)
    {
        expired = false;
        if (handle.Length != 8)
        {
            return null;
        }
        ulong id = BinaryPrimitives.ReadUInt64BigEndian(handle);
        lock (_lock)
        {
            if (!_contexts.TryGetValue(id, out GssServerContext? context))
            {
                return null;
            }
            long now = NowMs;
            if (now - context.LastUsedMs > IdleMs)
            {
                RemoveLocked(context);
                expired = true;
                return null;
            }
            context.LastUsedMs = now;
            return context;
        }
    }

    public void Remove(GssServerContext context)
    {
        lock (_lock)
        {
            if (_contexts.TryGetValue(context.Id, out GssServerContext? found) && found == context)
            {
                RemoveLocked(context);
            }
        }
    }

    private void RemoveExpired(long now)
    {
        foreach (GssServerContext context in _contexts.Values.Where(c => now - c.LastUsedMs > IdleMs).ToList())
        {
            RemoveLocked(context);
        }
    }

    private void RemoveLocked(GssServerContext context)
    {
        _contexts.Remove(context.Id);
        if (context.Client is not null && _perClient.TryGetValue(context.Client, out int count))
        {
            if (count <= 1)
            {
                _perClient.Remove(context.Client);
            }
            else
            {
                _perClient[context.Client] = count - 1;
            }
        }
        context.Gss.Dispose();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (GssServerContext context in _contexts.Values.ToList())
            {
                RemoveLocked(context);
            }
        }
    }
}
