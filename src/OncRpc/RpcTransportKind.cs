namespace OncRpc;

/// <summary>The transports the runtime speaks; names follow the netids of netconfig(5).</summary>
public enum RpcTransportKind
{
    /// <summary>TCP with record marking (RFC 5531 §11), netid tcp or tcp6.</summary>
    Tcp,

    /// <summary>UDP, one message per datagram, netid udp or udp6.</summary>
    Udp,

    /// <summary>Unix domain stream socket with record marking, netid local (unix).</summary>
    Local,

    /// <summary>Shared memory on one host (Linux x86_64): records in a pair of rings in a mapping
    /// the server makes per connection and hands over a Unix socket; netid <c>shm</c>, this
    /// library's own (not in netconfig, never registered with rpcbind). See docs/client.md.</summary>
    SharedMemory,
}
