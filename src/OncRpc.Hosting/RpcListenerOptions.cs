namespace OncRpc.Hosting;

/// <summary>One end point the hosted server listens on (an element of
/// <c>OncRpc:Server:Listeners</c>).</summary>
public sealed class RpcListenerOptions
{
    /// <summary><c>tcp</c>, <c>udp</c>, <c>unix</c> or <c>shm</c> (shared memory, Linux x86_64; case-insensitive).</summary>
    public string Transport { get; set; } = "tcp";

    /// <summary>The IP address to bind for tcp and udp: <c>0.0.0.0</c> (the default), <c>::</c>,
    /// <c>127.0.0.1</c>...</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>The port for tcp and udp, 0-65535; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The socket file for unix and shm.</summary>
    public string? Path { get; set; }
}
