namespace OncRpc.Transport;

/// <summary>The server's shared-memory end points (<see cref="Server.RpcServer.ListenSharedMemory"/>):
/// ring size and who may connect. Linux on x86_64 only.</summary>
public sealed class RpcSharedMemoryOptions
{
    /// <summary>Bytes in each of a connection's two rings (a power of two, 4 KiB to 64 MiB; 256 KiB
    /// by default). A record larger than the ring still passes: it streams through as the peer
    /// reads. Each connection maps two rings plus a 4 KiB header.</summary>
    public int RingSize { get; set; } = 256 * 1024;

    /// <summary>User ids allowed to connect besides the server's own effective uid, which always
    /// may. The peer's uid is the kernel's (SO_PEERCRED on the Unix socket), not a claim; a peer
    /// not allowed is refused before any mapping is made.</summary>
    public ISet<uint> AllowedUserIds { get; } = new HashSet<uint>();

    /// <summary>Refuse even the server's own uid unless listed in <see cref="AllowedUserIds"/>
    /// (for tests of the refusal, and for servers that must admit only other accounts).</summary>
    public bool AllowOwnUser { get; set; } = true;

    internal void Validate()
    {
        if (!Internal.ShmMapping.IsValidRingSize(RingSize))
        {
            throw new ArgumentOutOfRangeException(nameof(RingSize), RingSize, "the ring size must be a power of two from 4 KiB to 64 MiB");
        }
    }

    internal bool Allows(uint uid) =>
        AllowedUserIds.Contains(uid) || (AllowOwnUser && uid == Internal.ShmLibc.GetEffectiveUid());
}
