using System.Diagnostics.CodeAnalysis;
using System.Net;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Server.Internal;

namespace OncRpc.Server;

/// <summary>
/// What a handler knows about the call it serves: who sent it, over what, with which credentials,
/// and a token that fires when the call's connection closes or the server stops.
/// </summary>
/// <remarks>
/// A small handle on state the server keeps with its pooled call (so a call allocates nothing),
/// tagged with the call it was made for. It is valid until the call ends (its reply is encoded,
/// before it is handed to the transport, so before the caller has it); afterwards every member throws
/// <see cref="ObjectDisposedException"/>, so a context kept by mistake (captured by background
/// work) can never show the peer or credentials of a later call served by the same pooled
/// object. Copy what outlives the call out of it first. Inside a handler registered from an
/// interface implementation (the generated <c>FromInterface</c>) the context is also
/// <see cref="Current"/>.
/// </remarks>
public readonly partial struct RpcCallContext
{
    // Init accessors may assign it: a context built with its init members gets state of its own.
    private readonly RpcCallContextState? _state;
    private readonly long _generation;

    /// <summary>The server's context for the call <paramref name="state"/> serves now.</summary>
    [SetsRequiredMembers]
#pragma warning disable CS8618 // Procedure is read from the state, which the call filled first.
    internal RpcCallContext(RpcCallContextState state)
    {
        _state = state;
        _generation = Volatile.Read(ref state.Generation);
    }
#pragma warning restore CS8618

    /// <summary>The call's transaction id.</summary>
    public required uint Xid
    {
        get { RpcCallContextState s = Live(); uint value = s.Xid; StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).Xid = value;
    }

    /// <summary>The procedure called.</summary>
    public required RpcProcedureDescriptor Procedure
    {
        get { RpcCallContextState s = Live(); RpcProcedureDescriptor value = s.Procedure; StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).Procedure = value;
    }

    /// <summary>The caller's address: an <see cref="IPEndPoint"/>, or a Unix socket end point.</summary>
    public EndPoint? RemoteEndPoint
    {
        get { RpcCallContextState s = Live(); EndPoint? value = s.RemoteEndPoint; StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).RemoteEndPoint = value;
    }

    /// <summary>The transport the call came over.</summary>
    public required RpcTransportKind Transport
    {
        get { RpcCallContextState s = Live(); RpcTransportKind value = s.Transport; StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).Transport = value;
    }

    /// <summary>The credentials the call carried, as sent.</summary>
    public required OpaqueAuth Credential
    {
        get { RpcCallContextState s = Live(); OpaqueAuth value = s.Credential; StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).Credential = value;
    }

    /// <summary>The AUTH_SYS (or AUTH_SHORT-resolved) identity, when the call carried one.</summary>
    public AuthSysParameters? UnixCredential
    {
        get { RpcCallContextState s = Live(); AuthSysParameters? value = s.UnixCredential; StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).UnixCredential = value;
    }

    /// <summary>What the <see cref="IRpcAuthFlavorHandler"/> of the call's credential flavor
    /// returned when it accepted the call (a principal, a session); null for the built-in flavors.</summary>
    public object? Principal
    {
        get { RpcCallContextState s = Live(); object? value = s.Principal; StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).Principal = value;
    }

    /// <summary>Fires when the connection closes or the server stops.</summary>
    public CancellationToken CancellationToken
    {
        get { RpcCallContextState s = Live(); CancellationToken value = s.CancellationToken; StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).CancellationToken = value;
    }

    /// <summary>
    /// A client for calling the caller back over the connection this call came on (TCP and Unix;
    /// null over UDP): the peer serves the program with <see cref="RpcClient.Serve"/>. The client
    /// belongs to the connection, outlives this call (keep it to call back later) and fails every
    /// call with <see cref="RpcStatus.ConnectionLost"/> once the connection is gone. Async calls
    /// only. On a client serving callbacks, the client itself. See docs/calls-both-ways.md.
    /// </summary>
    public RpcClient? Backchannel
    {
        get { RpcCallContextState s = Live(); RpcClient? value = s.Backchannel ?? s.Site?.Backchannel; StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).Backchannel = value;
    }

    /// <summary>True when the call came over RPC-with-TLS (RFC 9289): encrypted and, with a
    /// <see cref="ClientCertificate"/>, from an authenticated peer.</summary>
    public bool IsTls
    {
        get { RpcCallContextState s = Live(); bool value = s.IsTls || (s.Site?.IsTls ?? false); StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).IsTls = value;
    }

    /// <summary>The certificate the client presented in the TLS handshake (mutual TLS), verified
    /// against the server's trust anchors; null for plain connections and clients without one.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate
    {
        get { RpcCallContextState s = Live(); var value = s.ClientCertificate ?? s.Site?.ClientCertificate; StillLive(s); return value; }
        init => (_state ??= new RpcCallContextState()).ClientCertificate = value;
    }

    /// <summary>True while the call this context was made for has not ended (always true for a
    /// context built with its init members).</summary>
    public bool IsActive => _state is { } s && Volatile.Read(ref s.Generation) == _generation;

    private RpcCallContextState Live()
    {
        RpcCallContextState s = _state ?? throw new InvalidOperationException("default(RpcCallContext) is not a call's context");
        if (Volatile.Read(ref s.Generation) != _generation)
        {
            ThrowEnded();
        }
        return s;
    }

    // Read after the field: if the call ended meanwhile, what was read may be the next call's.
    private void StillLive(RpcCallContextState s)
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref s.Generation) != _generation)
        {
            ThrowEnded();
        }
    }

    private static void ThrowEnded() => throw new ObjectDisposedException(nameof(RpcCallContext),
        "the call this context was made for has ended; copy what outlives a call out of its context inside the handler");
}
