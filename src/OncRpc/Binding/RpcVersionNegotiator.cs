using System.Net;
using OncRpc.Client;
using OncRpc.Xdr;

namespace OncRpc.Binding;

/// <summary>The version a negotiation settled on, and where that version listens (null when it
/// was negotiated over a connection the caller already had).</summary>
public sealed record RpcNegotiatedVersion(uint Version, EndPoint? EndPoint);

/// <summary>A connection to the best version of a program: the client (the caller owns it), the
/// version, and the key its answer is cached under (for <see cref="RpcVersionNegotiator.Observe"/>).</summary>
public sealed record RpcNegotiatedClient(RpcClient Client, uint Version, string Server);

/// <summary>
/// Finds the highest version of a program that both this client and a server speak
/// (docs/client.md, "Version negotiation"). Two ways, as the classic literature has them:
/// <list type="bullet">
/// <item>through the server host's rpcbind (<see cref="ResolveAsync(string, uint, IReadOnlyList{uint}, RpcTransportKind, RpcClientOptions?, CancellationToken)"/>):
/// one dump of its registrations (version 4, else 3, else the port mapper's) tells which versions
/// are registered on the transport and where each listens;</item>
/// <item>over a connection (<see cref="NegotiateAsync"/>): a NULL call (procedure 0) on the
/// highest version, and on PROG_MISMATCH the server's low/high (RFC 5531 §9) bound the next try.</item>
/// </list>
/// Answers are cached per (server, program) in a bounded least-recently-used table; a later
/// PROG_MISMATCH shown to <see cref="Observe"/> drops the stale answer. Thread-safe; one
/// <see cref="Shared"/> instance serves a process unless a caller wants its own bounds.
/// </summary>
public sealed partial class RpcVersionNegotiator
{
    /// <summary>Default bound of the cache (entries are a few dozen bytes).</summary>
    public const int DefaultCapacity = 1024;

    private readonly int _capacity;
    private readonly object _lock = new();
    private readonly Dictionary<(string Server, uint Program), LinkedListNode<CacheEntry>> _entries = new();
    private readonly LinkedList<CacheEntry> _recency = new(); // most recently used first

    private sealed record CacheEntry((string Server, uint Program) Key, RpcNegotiatedVersion Answer);

    /// <summary>A negotiator whose cache holds at most <paramref name="capacity"/> (server, program) answers.</summary>
    public RpcVersionNegotiator(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>The process-wide negotiator generated clients use unless given another.</summary>
    public static RpcVersionNegotiator Shared { get; } = new();

    /// <summary>Answers held now (at most the capacity).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>
    /// Negotiates over <paramref name="client"/>, already connected to a server of
    /// <paramref name="program"/>: NULL on the highest of <paramref name="versions"/>; a
    /// PROG_MISMATCH reply's low/high skip the versions the server cannot have, and the next
    /// highest is tried (a server may have gaps in its range). Cached under
    /// <paramref name="server"/> when given (a name for what <paramref name="client"/> is connected
    /// to), else probed each time. Throws <see cref="RpcException"/>: ProgramMismatch with the
    /// server's low/high when no version is common, ProgramUnavailable when the server lacks the
    /// program, and whatever the calls throw (timeouts, lost connections).
    /// </summary>
    public async ValueTask<uint> NegotiateAsync(RpcClient client, uint program, IReadOnlyList<uint> versions, string? server = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        uint[] candidates = Candidates(versions);
        if (server is not null && TryGet(server, program, out RpcNegotiatedVersion? cached))
        {
            return cached.Version;
        }
        uint low = 0, high = uint.MaxValue;
        bool mismatched = false;
        foreach (uint version in candidates)
        {
            if (version < low || version > high)
            {
                continue;
            }
            try
            {
                await client.CallAsync<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(program, version, 0), default, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.Status == RpcStatus.ProgramMismatch)
            {
                // RFC 5531 §9: PROG_MISMATCH carries the lowest and highest versions the server supports.
                (low, high, mismatched) = (e.Low, e.High, true);
                continue;
            }
            if (server is not null)
            {
                Store(server, program, new RpcNegotiatedVersion(version, null));
            }
            return version;
        }
        throw NoCommonVersion(program, candidates, mismatched ? (low, high) : null, server ?? "the server");
    }

    /// <summary>
    /// Asks the rpcbind on <paramref name="host"/> (port 111, or the local socket for
    /// <see cref="RpcTransportKind.Local"/>) which versions of <paramref name="program"/> are
    /// registered for <paramref name="transport"/> and returns the highest of
    /// <paramref name="versions"/> among them with its address. Cached per (host, netid, program).
    /// Throws <see cref="RpcException"/>: ProgramMismatch with the registered low/high when no
    /// version is common, ProgramUnavailable when the program is not registered for the transport,
    /// CannotBind when rpcbind cannot be reached.
    /// </summary>
    public async Task<RpcNegotiatedVersion> ResolveAsync(string host, uint program, IReadOnlyList<uint> versions,
        RpcTransportKind transport = RpcTransportKind.Tcp, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        EndPoint rpcbind = await RpcbindEndPointAsync(host, transport, cancellationToken).ConfigureAwait(false);
        return await ResolveAsync(rpcbind, program, versions, transport, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="ResolveAsync(string, uint, IReadOnlyList{uint}, RpcTransportKind, RpcClientOptions?, CancellationToken)"/>,
    /// with the rpcbind at <paramref name="rpcbindEndPoint"/> (an rpcbind on another port, or a
    /// Unix socket); wildcard addresses it returns mean its own host.</summary>
    public async Task<RpcNegotiatedVersion> ResolveAsync(EndPoint rpcbindEndPoint, uint program, IReadOnlyList<uint> versions,
        RpcTransportKind transport, RpcClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rpcbindEndPoint);
        uint[] candidates = Candidates(versions);
        string netid = NetidFor(rpcbindEndPoint, transport);
        string server = ServerKey(rpcbindEndPoint, netid);
        if (TryGet(server, program, out RpcNegotiatedVersion? cached))
        {
            return cached;
        }
        IReadOnlyList<(uint Version, EndPoint EndPoint)> registered =
            await RegisteredVersionsAsync(rpcbindEndPoint, program, netid, transport, options, cancellationToken).ConfigureAwait(false);
        foreach (uint version in candidates)
        {
            foreach ((uint v, EndPoint endPoint) in registered)
            {
                if (v == version)
                {
                    var answer = new RpcNegotiatedVersion(version, endPoint);
                    Store(server, program, answer);
                    return answer;
                }
            }
        }
        if (registered.Count == 0)
        {
            throw new RpcException(RpcStatus.ProgramUnavailable, $"program {program} is not registered with the rpcbind at {rpcbindEndPoint} for {netid}");
        }
        throw NoCommonVersion(program, candidates, (registered.Min(r => r.Version), registered.Max(r => r.Version)), $"the rpcbind at {rpcbindEndPoint} ({netid})");
    }

    /// <summary>The cache key <see cref="ResolveAsync(EndPoint, uint, IReadOnlyList{uint}, RpcTransportKind, RpcClientOptions?, CancellationToken)"/>
    /// files its answer under, for <see cref="Observe"/> and <see cref="Invalidate"/>.</summary>
    public static string ServerKey(EndPoint rpcbindEndPoint, RpcTransportKind transport)
    {
        ArgumentNullException.ThrowIfNull(rpcbindEndPoint);
        return ServerKey(rpcbindEndPoint, NetidFor(rpcbindEndPoint, transport));
    }

    private static string ServerKey(EndPoint rpcbindEndPoint, string netid) => rpcbindEndPoint + "/" + netid;

    /// <summary>
    /// Shows the negotiator a failure of a later call to (<paramref name="server"/>,
    /// <paramref name="program"/>): PROG_MISMATCH (the server now speaks other versions) or
    /// PROG_UNAVAIL (it no longer has the program) drops the cached answer, so the next negotiation
    /// asks again. True when an answer was dropped.
    /// </summary>
    public bool Observe(string server, uint program, RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Status is RpcStatus.ProgramMismatch or RpcStatus.ProgramUnavailable && Invalidate(server, program);
    }

    /// <summary>Drops the cached answer for (<paramref name="server"/>, <paramref name="program"/>); true when there was one.</summary>
    public bool Invalidate(string server, uint program)
    {
        ArgumentNullException.ThrowIfNull(server);
        lock (_lock)
        {
            if (!_entries.Remove((server, program), out LinkedListNode<CacheEntry>? node))
            {
                return false;
            }
            _recency.Remove(node);
            return true;
        }
    }

    private bool TryGet(string server, uint program, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RpcNegotiatedVersion? answer)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue((server, program), out LinkedListNode<CacheEntry>? node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                answer = node.Value.Answer;
                return true;
            }
        }
        answer = null;
        return false;
    }

    private void Store(string server, uint program, RpcNegotiatedVersion answer)
    {
        lock (_lock)
        {
            if (_entries.Remove((server, program), out LinkedListNode<CacheEntry>? old))
            {
                _recency.Remove(old);
            }
            else if (_entries.Count >= _capacity)
            {
                LinkedListNode<CacheEntry> oldest = _recency.Last!;
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Key);
            }
            _entries[(server, program)] = _recency.AddFirst(new CacheEntry((server, program), answer));
        }
    }

    /// <summary>The client's versions, highest first, each once.</summary>
    private static uint[] Candidates(IReadOnlyList<uint> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        uint[] candidates = versions.Distinct().OrderDescending().ToArray();
        return candidates.Length > 0 ? candidates : throw new ArgumentException("at least one version is needed", nameof(versions));
    }

    private static RpcException NoCommonVersion(uint program, uint[] candidates, (uint Low, uint High)? range, string where)
    {
        string ours = string.Join(", ", candidates.Reverse());
        return range is { } r
            ? new RpcException(RpcStatus.ProgramMismatch,
                $"no common version of program {program}: {where} speaks {r.Low} to {r.High}, this client {ours}", r.Low, r.High)
            : new RpcException(RpcStatus.ProgramMismatch, $"no common version of program {program} with {where}: this client speaks {ours}");
    }
}
