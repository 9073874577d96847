using System.Net;
using OncRpc.Auth;

namespace OncRpc.Rpcbind;

/// <summary>Where and how an <see cref="RpcbindRegistration"/> talks to rpcbind.</summary>
public sealed class RpcbindRegistrationOptions
{
    /// <summary>The rpcbind to register with: a Unix socket end point or a TCP
    /// <see cref="IPEndPoint"/>. Null (the default) picks the local socket
    /// <see cref="RpcbindProtocol.LocalSocketPath"/> when it exists (rpcbind then knows the caller's
    /// uid for the owner), else TCP 127.0.0.1:111.</summary>
    public EndPoint? RpcbindEndPoint { get; set; }

    /// <summary>Time each registration call may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Credentials of the registration calls; null sends AUTH_SYS with this process's
    /// effective uid and gid (our rpcbind records the owner from it).</summary>
    public RpcCredentials? Credentials { get; set; }

    /// <summary>When a SET finds (program, version, netid) already registered (a stale entry of a
    /// previous run), remove it and register again, as rpcgen servers do with pmap_unset at start.</summary>
    public bool ReplaceExisting { get; set; } = true;
}
