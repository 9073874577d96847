using System.Buffers.Binary;
using System.Security.Cryptography;

namespace OncRpc.Auth.Internal;

/// <summary>
/// AUTH_SHORT handles (RFC 5531 Appendix A): an 8-byte opaque handle per AUTH_SYS identity,
/// bounded, least recently used forgotten first. The same identity always gets the same handle
/// while it is remembered, so a busy client does not churn the cache. Handles start with a
/// random per-cache prefix, so those of an earlier server instance are not mistaken for ours.
/// Thread-safe (one lock; every operation is O(1)).
/// </summary>
internal sealed class ShortHandleCache
{
    public const int HandleLength = 8;

    private readonly int _capacity;
    private readonly Dictionary<ulong, Node> _byHandle;
    private readonly Dictionary<AuthSysParameters, Node> _byIdentity;
    private readonly Lock _gate = new();
    private readonly uint _prefix;
    private uint _counter;
    private Node? _head; // most recently used
    private Node? _tail; // least recently used

    public ShortHandleCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _byHandle = new Dictionary<ulong, Node>(Math.Min(capacity, 1024));
        _byIdentity = new Dictionary<AuthSysParameters, Node>(Math.Min(capacity, 1024));
        _prefix = (uint)RandomNumberGenerator.GetInt32(int.MaxValue) ^ (uint)Environment.TickCount;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byHandle.Count;
            }
        }
    }

    /// <summary>The verifier to send back for <paramref name="identity"/>: its handle, created if new.</summary>
    public OpaqueAuth GetOrAddVerifier(AuthSysParameters identity)
    {
        lock (_gate)
        {
            if (_byIdentity.TryGetValue(identity, out Node? node))
            {
                MoveToFront(node);
                return node.Verifier;
            }
            ulong handle = ((ulong)_prefix << 32) | ++_counter;
            byte[] body = new byte[HandleLength];
            BinaryPrimitives.WriteUInt64BigEndian(body, handle);
            node = new Node(handle, identity, new OpaqueAuth(AuthFlavor.Short, body));
            if (_byHandle.Count >= _capacity)
            {
                Node evicted = _tail!;
                Unlink(evicted);
                _byHandle.Remove(evicted.Handle);
                _byIdentity.Remove(evicted.Identity);
            }
            _byHandle[handle] = node;
            _byIdentity[identity] = node;
            LinkFront(node);
            return node.Verifier;
        }
    }

    /// <summary>The identity behind an AUTH_SHORT credential body, or null when unknown.</summary>
    public AuthSysParameters? TryResolve(ReadOnlySpan<byte> body) => TryResolve(body, out _);

    /// <summary>The identity behind an AUTH_SHORT credential body, or null when unknown; also
    /// the credential itself with a body the cache owns (so the call need not copy it).</summary>
    public AuthSysParameters? TryResolve(ReadOnlySpan<byte> body, out OpaqueAuth credential)
    {
        credential = default;
        if (body.Length != HandleLength)
        {
            return null;
        }
        ulong handle = BinaryPrimitives.ReadUInt64BigEndian(body);
        lock (_gate)
        {
            if (!_byHandle.TryGetValue(handle, out Node? node))
            {
                return null;
            }
            MoveToFront(node);
            credential = node.Verifier; // the handle we handed out: same flavor, same bytes
            return node.Identity;
        }
    }

    private void MoveToFront(Node node)
    {
        if (_head == node)
        {
            return;
        }
        Unlink(node);
        LinkFront(node);
    }

    private void LinkFront(Node node)
    {
        node.Previous = null;
        node.Next = _head;
        if (_head is not null)
        {
            _head.Previous = node;
        }
        _head = node;
        _tail ??= node;
    }

    private void Unlink(Node node)
    {
        if (node.Previous is not null)
        {
            node.Previous.Next = node.Next;
        }
        else
        {
            _head = node.Next;
        }
        if (node.Next is not null)
        {
            node.Next.Previous = node.Previous;
        }
        else
        {
            _tail = node.Previous;
        }
        node.Previous = null;
        node.Next = null;
    }

    private sealed class Node(ulong handle, AuthSysParameters identity, OpaqueAuth verifier)
    {
        public ulong Handle { get; } = handle;
        public AuthSysParameters Identity { get; } = identity;
        public OpaqueAuth Verifier { get; } = verifier;
        public Node? Previous;
        public Node? Next;
    }
}
