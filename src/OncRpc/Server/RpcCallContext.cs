using System.Net;
using OncRpc.Auth;

namespace OncRpc.Server;

/// <summary>
/// What a handler knows about the call it serves: who sent it, over what, with which credentials,
/// and a token that fires when the call's connection closes or the server stops.
/// </summary>
public sealed class RpcCallContext
{
    /// <summary>The call's transaction id.</summary>
    public required uint Xid { get; init; }

    /// <summary>The procedure called.</summary>
    public required RpcProcedureDescriptor Procedure { get; init; }

    /// <summary>The caller's address: an <see cref="IPEndPoint"/>, or a Unix socket end point.</summary>
    public EndPoint? RemoteEndPoint { get; init; }

    /// <summary>The transport the call came over.</summary>
    public required RpcTransportKind Transport { get; init; }

    /// <summary>The credentials the call carried, as sent.</summary>
    public required OpaqueAuth Credential { get; init; }

    /// <summary>The AUTH_SYS (or AUTH_SHORT-resolved) identity, when the call carried one.</summary>
    public AuthSysParameters? UnixCredential { get; init; }

    /// <summary>Fires when the connection closes or the server stops.</summary>
    public CancellationToken CancellationToken { get; init; }
}
