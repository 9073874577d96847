using System.Buffers.Binary;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using OncRpc.Auth;
using OncRpc.Diagnostics;
using OncRpc.Server.Internal.DuplicateRequests;

namespace OncRpc.Server.Internal;

/// <summary>
/// Reincarnation of orphans. A client is its address (without port), machine name and uid as
/// AUTH_SYS states them; its incarnation is the AUTH_SYS stamp. A call with another stamp than the
/// client's known one means the client restarted: the old incarnation's calls still running are
/// cancelled (one token source per incarnation, linked into each of its calls) and its
/// duplicate-request cache entries dropped. Invariant, under <c>_gate</c>: one incarnation per
/// client, at most <c>capacity</c> clients (the least recently seen is forgotten, its calls left
/// alone).
/// </summary>
internal sealed class IncarnationTable(int capacity, DuplicateRequestCache? cache, ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<byte[], Incarnation> _clients = new(ByteKeyComparer.Instance);
    private readonly LinkedList<Incarnation> _recent = new();

    private sealed class Incarnation(byte[] key, uint stamp, EndPoint? remote, RpcTransportKind transport, OpaqueAuth credential)
    {
        public byte[] Key { get; } = key;
        public uint Stamp { get; } = stamp;
        public EndPoint? Remote { get; } = remote;
        public RpcTransportKind Transport { get; } = transport;
        public OpaqueAuth Credential { get; } = credential;
        public CancellationTokenSource Calls { get; } = new();
        public LinkedListNode<Incarnation>? Node { get; set; }
    }

    /// <summary>The token that fires when the call's client incarnation is superseded; none for
    /// calls without an AUTH_SYS identity.</summary>
    public CancellationToken Track(RpcCall call)
    {
        if (call.UnixCredential is not { } identity)
        {
            return default;
        }
        Span<byte> key = stackalloc byte[1 + 16 + 4 + AuthSysParameters.MaxMachineNameLength * 4];
        key = key[..WriteKey(key, call.RemoteEndPoint, identity)];
        Incarnation? superseded = null;
        Incarnation current;
        lock (_gate)
        {
            var lookup = _clients.GetAlternateLookup<ReadOnlySpan<byte>>();
            if (lookup.TryGetValue(key, out Incarnation? known) && known.Stamp == identity.Stamp)
            {
                _recent.Remove(known.Node!);
                _recent.AddLast(known.Node!);
                return known.Calls.Token;
            }
            if (known is not null)
            {
                superseded = known;
                _recent.Remove(known.Node!);
                _clients.Remove(known.Key);
            }
            else if (_clients.Count >= capacity && _recent.First is { } oldest)
            {
                _recent.RemoveFirst();
                _clients.Remove(oldest.Value.Key);
            }
            current = new Incarnation(key.ToArray(), identity.Stamp, call.RemoteEndPoint, call.Transport, call.Credential);
            current.Node = _recent.AddLast(current);
            _clients.Add(current.Key, current);
        }
        if (superseded is not null)
        {
            ServerLog.NewIncarnation(logger, call.RemoteEndPoint, identity.MachineName, identity.Uid, superseded.Stamp, identity.Stamp);
            try
            {
                superseded.Calls.Cancel();
            }
            catch (AggregateException)
            {
                // A handler's cancellation callback threw: its bug, not this call's.
            }
            cache?.DropClient(superseded.Remote, superseded.Transport, superseded.Credential);
        }
        return current.Calls.Token;
    }

    private static int WriteKey(Span<byte> destination, EndPoint? remote, AuthSysParameters identity)
    {
        int length = 1;
        destination[0] = 0;
        if (remote is IPEndPoint ip)
        {
            int written = PeerAddress.Write(destination[1..], ip);
            destination[0] = (byte)written;
            length += written;
        }
        BinaryPrimitives.WriteUInt32BigEndian(destination[length..], identity.Uid);
        length += 4;
        return length + Encoding.UTF8.GetBytes(identity.MachineName, destination[length..]);
    }
}
