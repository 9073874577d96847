using System.Diagnostics.CodeAnalysis;
using System.Net;
using OncRpc.Auth;
using OncRpc.Client;

namespace OncRpc.Server;

/// <summary>
/// What a handler knows about the call it serves: who sent it, over what, with which credentials,
/// and a token that fires when the call's connection closes or the server stops.
/// </summary>
/// <remarks>The server reuses one instance per pooled call (so a call allocates nothing): it is
/// valid until the handler's <see cref="ValueTask{TResult}"/> completes. Copy what outlives the
/// call (work started in the background, say) out of it first, as with ASP.NET Core's HttpContext.</remarks>
public sealed class RpcCallContext
{
    private uint _xid;
    private RpcProcedureDescriptor _procedure = null!;
    private EndPoint? _remoteEndPoint;
    private RpcTransportKind _transport;
    private OpaqueAuth _credential;
    private AuthSysParameters? _unixCredential;
    private CancellationToken _cancellationToken;
    private RpcClient? _backchannel;
    private Internal.ICallSite? _site;

    /// <summary>Creates a context; set every required member.</summary>
    public RpcCallContext()
    {
    }

    /// <summary>The server's pooled instance, filled by <see cref="Set"/> for each call.</summary>
    [SetsRequiredMembers]
#pragma warning disable CS8618 // Procedure is set by Set() before the context is handed out.
    internal RpcCallContext(bool pooled) => _ = pooled;
#pragma warning restore CS8618

    /// <summary>The call's transaction id.</summary>
    public required uint Xid { get => _xid; init => _xid = value; }

    /// <summary>The procedure called.</summary>
    public required RpcProcedureDescriptor Procedure { get => _procedure; init => _procedure = value; }

    /// <summary>The caller's address: an <see cref="IPEndPoint"/>, or a Unix socket end point.</summary>
    public EndPoint? RemoteEndPoint { get => _remoteEndPoint; init => _remoteEndPoint = value; }

    /// <summary>The transport the call came over.</summary>
    public required RpcTransportKind Transport { get => _transport; init => _transport = value; }

    /// <summary>The credentials the call carried, as sent.</summary>
    public required OpaqueAuth Credential { get => _credential; init => _credential = value; }

    /// <summary>The AUTH_SYS (or AUTH_SHORT-resolved) identity, when the call carried one.</summary>
    public AuthSysParameters? UnixCredential { get => _unixCredential; init => _unixCredential = value; }

    /// <summary>Fires when the connection closes or the server stops.</summary>
    public CancellationToken CancellationToken { get => _cancellationToken; init => _cancellationToken = value; }

    /// <summary>
    /// A client for calling the caller back over the connection this call came on (TCP and Unix;
    /// null over UDP): the peer serves the program with <see cref="RpcClient.Serve"/>. The client
    /// belongs to the connection, outlives this call (keep it to call back later) and fails every
    /// call with <see cref="RpcStatus.ConnectionLost"/> once the connection is gone. Async calls
    /// only. On a client serving callbacks, the client itself. See docs/calls-both-ways.md.
    /// </summary>
    public RpcClient? Backchannel { get => _backchannel ?? _site?.Backchannel; init => _backchannel = value; }

    internal void SetSite(Internal.ICallSite? site) => _site = site;

    internal void Set(uint xid, RpcProcedureDescriptor procedure, EndPoint? remoteEndPoint, RpcTransportKind transport,
        OpaqueAuth credential, AuthSysParameters? unixCredential, CancellationToken cancellationToken)
    {
        _xid = xid;
        _procedure = procedure;
        _remoteEndPoint = remoteEndPoint;
        _transport = transport;
        _credential = credential;
        _unixCredential = unixCredential;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Drops the references of the call just served (the pooled call is idle).</summary>
    internal void Clear()
    {
        Set(0, _procedure, null, default, default, null, default);
        _site = null;
    }
}
