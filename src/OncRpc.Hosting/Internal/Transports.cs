namespace OncRpc.Hosting.Internal;

/// <summary>The transport names configuration uses (rpcbind's netids without the 6).</summary>
internal static class Transports
{
    public static bool TryParse(string? name, out RpcTransportKind transport)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "tcp":
                transport = RpcTransportKind.Tcp;
                return true;
            case "udp":
                transport = RpcTransportKind.Udp;
                return true;
            case "unix" or "local":
                transport = RpcTransportKind.Local;
                return true;
            case "shm":
                transport = RpcTransportKind.SharedMemory;
                return true;
            default:
                transport = default;
                return false;
        }
    }
}
