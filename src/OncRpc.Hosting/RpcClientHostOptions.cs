namespace OncRpc.Hosting;

/// <summary>
/// Where and how a typed client calls, bound from <c>OncRpc:Clients:{name}</c> (the name
/// defaults to the client type's name, e.g. <c>OncRpc:Clients:LogV1Client</c>) and validated
/// when the client is first resolved.
/// </summary>
public sealed class RpcClientHostOptions
{
    /// <summary>The configuration section holding one subsection per client.</summary>
    public const string SectionName = "OncRpc:Clients";

    /// <summary><c>tcp</c> (the default), <c>udp</c>, <c>unix</c> or <c>shm</c> (shared memory, Linux x86_64).</summary>
    public string Transport { get; set; } = "tcp";

    /// <summary>The server's host name or IP address for tcp (an IP address for udp).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The server's port for tcp and udp, 1-65535.</summary>
    public int Port { get; set; }

    /// <summary>The socket file for unix and shm.</summary>
    public string? Path { get; set; }

    /// <summary>See <see cref="OncRpc.Client.RpcClientOptions.Timeout"/>.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>See <see cref="OncRpc.Client.RpcClientOptions.RetransmitInterval"/> (udp).</summary>
    public TimeSpan? RetransmitInterval { get; set; }

    /// <summary>See <see cref="OncRpc.Client.RpcClientOptions.MaxRetransmitInterval"/> (udp).</summary>
    public TimeSpan? MaxRetransmitInterval { get; set; }

    /// <summary>The credentials calls carry: <c>none</c> (the default) or <c>sys</c> (AUTH_SYS).</summary>
    public string Credentials { get; set; } = "none";

    /// <summary>AUTH_SYS: the machine name; this host's when unset.</summary>
    public string? MachineName { get; set; }

    /// <summary>AUTH_SYS: the uid; the process's when unset.</summary>
    public uint? Uid { get; set; }

    /// <summary>AUTH_SYS: the gid; the process's when unset.</summary>
    public uint? Gid { get; set; }

    /// <summary>AUTH_SYS: supplementary gids (at most 16).</summary>
    public IList<uint> Gids { get; } = [];
}
