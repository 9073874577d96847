using OncRpc.Xdr;

namespace OncRpc.Auth;

/// <summary>
/// authsys_parms (RFC 5531 Appendix A): stamp, machine name of at most 255 bytes (Latin-1, so any
/// bytes a C peer sends survive), uid, gid and at
/// most 16 supplementary gids.
/// </summary>
public sealed record AuthSysParameters(uint Stamp, string MachineName, uint Uid, uint Gid, IReadOnlyList<uint> Gids)
    : IXdrSerializable<AuthSysParameters>
{
    public const int MaxMachineNameLength = 255;
    public const int MaxGids = 16;

    /// <summary>This process's incarnation stamp: the second it started (as libtirpc stamps with
    /// time(2)) mixed with random low bits, so a process restarted within the same second still
    /// gets another. Servers that cancel orphans by incarnation
    /// (<see cref="OncRpc.Server.RpcServerOptions.CancelCallsOfOldIncarnations"/>) tell a
    /// restarted client from its previous life by it.</summary>
    public static uint ProcessIncarnation { get; } = CreateIncarnation();

    /// <summary>AUTH_SYS parameters for this process: <see cref="ProcessIncarnation"/> as stamp,
    /// this host's name, and the given ids (the process's own on Unix when omitted).</summary>
    public static AuthSysParameters ForCurrentProcess(uint? uid = null, uint? gid = null, IReadOnlyList<uint>? gids = null)
    {
        string machine = Environment.MachineName;
        if (System.Text.Encoding.Latin1.GetByteCount(machine) > MaxMachineNameLength)
        {
            machine = machine[..MaxMachineNameLength];
        }
        return new AuthSysParameters(ProcessIncarnation, machine, uid ?? CurrentId(getUid: true), gid ?? CurrentId(getUid: false), gids ?? []);
    }

    private static uint CreateIncarnation()
    {
        long started = new DateTimeOffset(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime()).ToUnixTimeSeconds();
        return (uint)(started << 8) ^ (uint)Random.Shared.Next(256);
    }

    private static uint CurrentId(bool getUid) =>
        OperatingSystem.IsWindows() ? 0 : getUid ? Internal.PosixIds.GetUid() : Internal.PosixIds.GetGid();

    public static AuthSysParameters ReadFrom(ref XdrReader reader)
    {
        uint stamp = reader.ReadUInt32();
        string machine = reader.ReadString(MaxMachineNameLength);
        uint uid = reader.ReadUInt32();
        uint gid = reader.ReadUInt32();
        int count = reader.ReadArrayLength(MaxGids);
        var gids = new uint[count];
        for (int i = 0; i < gids.Length; i++)
        {
            gids[i] = reader.ReadUInt32();
        }
        return new AuthSysParameters(stamp, machine, uid, gid, gids);
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt32(Stamp);
        writer.WriteString(MachineName, MaxMachineNameLength);
        writer.WriteUInt32(Uid);
        writer.WriteUInt32(Gid);
        writer.WriteLength(Gids.Count, MaxGids);
        foreach (uint g in Gids)
        {
            writer.WriteUInt32(g);
        }
    }

    /// <summary>Encodes as an AUTH_SYS credential.</summary>
    public OpaqueAuth ToOpaqueAuth() => new(AuthFlavor.Sys, XdrSerializer.ToArray(this, XdrStringEncoding.Latin1));

    /// <summary>Decodes an AUTH_SYS credential body; throws <see cref="XdrException"/> when malformed.</summary>
    public static AuthSysParameters FromOpaqueAuth(OpaqueAuth credential) =>
        XdrSerializer.Deserialize<AuthSysParameters>(credential.Body.Span, new XdrReaderOptions { StringEncoding = XdrStringEncoding.Latin1 });

    public bool Equals(AuthSysParameters? other) =>
        other is not null && Stamp == other.Stamp && MachineName == other.MachineName && Uid == other.Uid
        && Gid == other.Gid && Gids.SequenceEqual(other.Gids);

    public override int GetHashCode() => HashCode.Combine(Stamp, MachineName, Uid, Gid, Gids.Count);
}
