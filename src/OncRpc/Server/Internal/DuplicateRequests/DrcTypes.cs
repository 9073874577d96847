using System.Net;
using OncRpc.Auth;

namespace OncRpc.Server.Internal.DuplicateRequests;

/// <summary>One client as the cache tells them apart: its address and the credential it calls
/// with (flavor and body; AUTH_SYS carries the process's stamp, AUTH_SHORT is resolved to the full
/// credential first). The port counts over UDP (a client retransmits from its one socket; two
/// processes on one host must not share entries) and over a stream with AUTH_NONE (nothing else
/// tells two processes apart; over a Unix socket, the connection stands in for the port); it does
/// not count over a stream with a credential, so a client that reconnects from a new port and
/// resends still hits. Holds its completed entries in LRU order.</summary>
internal sealed class DrcClient(byte[] key, long id)
{
    public byte[] Key { get; } = key;

    /// <summary>Unique per client object in one cache: its entries' slots derive from it, so the
    /// key bytes are hashed once per call (by the client lookup), not again for the slot.</summary>
    public long Id { get; } = id;

    /// <summary>Completed entries, least recently used first.</summary>
    public LinkedList<DrcEntry> Completed { get; } = new();

    public int InProgress { get; set; }

    public int Count => Completed.Count + InProgress;

    /// <summary>Most bytes a key takes: family, an IPv6 address and port (or a connection), flavor, a 400-byte body.</summary>
    public const int MaxKeyLength = 1 + 16 + 4 + 4 + OpaqueAuth.MaxBodyLength;

    /// <summary>Writes the identity of <paramref name="remote"/> calling over
    /// <paramref name="transport"/> with <paramref name="credential"/> through
    /// <paramref name="site"/>; returns its length.</summary>
    public static int WriteKey(Span<byte> destination, EndPoint? remote, RpcTransportKind transport, OpaqueAuth credential, object? site)
    {
        int length = 1;
        if (remote is IPEndPoint ip)
        {
            int written = PeerAddress.Write(destination[1..], ip);
            destination[0] = (byte)written;
            length += written;
            if (transport == RpcTransportKind.Udp || credential.Flavor == AuthFlavor.None)
            {
                destination[0] |= 0x80; // with port
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[length..], (ushort)ip.Port);
                length += 2;
            }
        }
        else
        {
            destination[0] = 0; // a Unix socket peer: the host itself
            if (credential.Flavor == AuthFlavor.None && site is not null)
            {
                // Nothing tells two anonymous local processes apart but their connections.
                destination[0] |= 0x80;
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination[length..],
                    System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(site));
                length += 4;
            }
        }
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination[length..], (int)credential.Flavor);
        length += 4;
        credential.Body.Span.CopyTo(destination[length..]);
        return length + credential.Body.Length;
    }
}

/// <summary>Which call of a client: xid, program, version, procedure and a checksum of the
/// arguments (as knfsd does), so an xid reused for another call is not mistaken for a retransmission.</summary>
internal readonly record struct DrcCallKey(uint Xid, uint Program, uint Version, uint Procedure, ulong ArgumentsHash)
{
    /// <summary>The entry's 64-bit slot in the cache: this call of the client <paramref name="clientId"/>
    /// (hashed with a per-process seed). A compact key keeps the table small (it is read on every
    /// at-most-once call, mostly from cold memory); the entry itself holds the full key, checked on
    /// every hit.</summary>
    public ulong Slot(long clientId)
    {
        Span<byte> bytes = stackalloc byte[32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes, clientId);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes[8..], Xid);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes[12..], Program);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes[16..], Version);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes[20..], Procedure);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes[24..], ArgumentsHash);
        return System.IO.Hashing.XxHash3.HashToUInt64(bytes, ByteKeyComparer.Seed);
    }
}

/// <summary>A client's call in the cache: in progress (no reply yet) or completed (the reply,
/// without any record mark, replayed byte for byte). Recycled after eviction (its list nodes
/// with it), so a steady stream of calls allocates only the replies.</summary>
internal sealed class DrcEntry
{
    public DrcEntry()
    {
        GlobalNode = new LinkedListNode<DrcEntry>(this);
        ClientNode = new LinkedListNode<DrcEntry>(this);
    }

    public DrcClient Client { get; private set; } = null!;
    public DrcCallKey Key { get; private set; }

    /// <summary>The entry's key in the cache's table (see <see cref="DrcCallKey.Slot"/>).</summary>
    public ulong Slot { get; private set; }

    /// <summary>True from the first execution's start until it completes or is abandoned.</summary>
    public bool InProgress { get; set; }

    public DrcEntry Init(DrcClient client, DrcCallKey key, ulong slot)
    {
        Client = client;
        Key = key;
        Slot = slot;
        return this;
    }

    /// <summary>Clears what the entry held, before it is reused.</summary>
    public void Clear()
    {
        Client = null!;
        ReleaseReply();
        Finished = null;
        Waiters = 0;
        Orphan = null;
        InProgress = false;
    }

    private byte[]? _reply;
    private int _replyLength;

    /// <summary>True once completed: the reply is kept.</summary>
    public bool IsCompleted => _reply is not null;

    /// <summary>The kept reply (empty while in progress). Read under the cache's lock: the
    /// buffer is pooled and goes back when the entry is evicted.</summary>
    public ReadOnlySpan<byte> Reply => _reply.AsSpan(0, _replyLength);

    /// <summary>Keeps a copy of <paramref name="reply"/> in a pooled buffer: entries live for
    /// thousands of calls, and a fresh array each would be promoted before it dies.</summary>
    public void KeepReply(ReadOnlySpan<byte> reply)
    {
        ReleaseReply();
        _reply = OncRpc.Internal.BytePool.Rent(Math.Max(reply.Length, 1));
        reply.CopyTo(_reply);
        _replyLength = reply.Length;
    }

    /// <summary>Gives the reply's buffer back to the pool.</summary>
    public void ReleaseReply()
    {
        if (_reply is not null)
        {
            OncRpc.Internal.BytePool.Return(_reply);
            _reply = null;
            _replyLength = 0;
        }
    }

    /// <summary>When the entry was completed or last hit (TimeProvider timestamp).</summary>
    public long LastUsed { get; set; }

    /// <summary>Wall-clock completion time, kept with a persisted entry so its age survives a restart.</summary>
    public long CompletedUnixMs { get; set; }

    /// <summary>In progress: when the client last sent the call (first time or retransmission).</summary>
    public long LastSeen { get; set; }

    /// <summary>Node in the cache-wide LRU list (completed entries only).</summary>
    public LinkedListNode<DrcEntry> GlobalNode { get; }

    /// <summary>Node in the client's LRU list (completed entries only).</summary>
    public LinkedListNode<DrcEntry> ClientNode { get; }

    /// <summary>In progress: completes with the reply (null: none) when the first execution
    /// ends; created for the first waiter.</summary>
    public TaskCompletionSource<byte[]?>? Finished { get; set; }

    public int Waiters { get; set; }

    /// <summary>In progress over UDP with orphan expiry on: cancels the running call.</summary>
    public CancellationTokenSource? Orphan { get; set; }

    public RpcTransportKind Transport { get; set; }

    /// <summary>Bytes the entry counts for against the cache's byte bound.</summary>
    public long Weight => DuplicateRequestCache.EntryOverhead + _replyLength + Client.Key.Length;
}

/// <summary>Byte-array keys compared by content, looked up by span without allocating.</summary>
internal sealed class ByteKeyComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
{
    public static ByteKeyComparer Instance { get; } = new();

    // Seeded per process: the keys come from the network, so their bucket spread must not be
    // predictable (hash flooding).
    public static long Seed { get; } = Random.Shared.NextInt64();

    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    public int GetHashCode(byte[] key) => GetHashCode((ReadOnlySpan<byte>)key);

    public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

    public int GetHashCode(ReadOnlySpan<byte> alternate) => (int)System.IO.Hashing.XxHash3.HashToUInt64(alternate, Seed);

    public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
}
