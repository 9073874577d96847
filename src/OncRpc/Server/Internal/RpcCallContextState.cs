using System.Net;
using OncRpc.Auth;
using OncRpc.Client;

namespace OncRpc.Server.Internal;

/// <summary>
/// What an <see cref="RpcCallContext"/> shows, kept with a pooled call and refilled for each call
/// (so a call allocates nothing). Invariant: <see cref="Generation"/> changes before any field is
/// cleared or refilled for another call, so a context that remembers the generation it was made
/// for can tell, after reading a field, whether what it read still belongs to its call (as
/// <see cref="Transport.Internal.EpollLoop"/>'s slots are tagged).
/// </summary>
internal sealed class RpcCallContextState
{
    /// <summary>Changes when the call this state served ends. A standalone context (built with
    /// the context's init members, for tests) stays at 0 and never ends. 64 bits, so it never
    /// comes round to a generation a kept context still remembers.</summary>
    public long Generation;

    public uint Xid;
    public RpcProcedureDescriptor Procedure = null!;
    public EndPoint? RemoteEndPoint;
    public RpcTransportKind Transport;
    public OpaqueAuth Credential;
    public AuthSysParameters? UnixCredential;
    public object? Principal;
    public CancellationToken CancellationToken;

    /// <summary>Where the call came from: its connection's backchannel, if any.</summary>
    public ICallSite? Site;

    /// <summary>Set only by a standalone context's init member (tests).</summary>
    public RpcClient? Backchannel;

    /// <summary>Set only by a standalone context's init members (tests); otherwise the site's.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate;

    /// <summary>Set only by a standalone context's init members (tests); otherwise the site's.</summary>
    public bool IsTls;

    public void Set(uint xid, RpcProcedureDescriptor procedure, EndPoint? remoteEndPoint, RpcTransportKind transport,
        OpaqueAuth credential, AuthSysParameters? unixCredential, object? principal, CancellationToken cancellationToken, ICallSite? site)
    {
        Site = site;
        Xid = xid;
        Procedure = procedure;
        RemoteEndPoint = remoteEndPoint;
        Transport = transport;
        Credential = credential;
        UnixCredential = unixCredential;
        Principal = principal;
        CancellationToken = cancellationToken;
    }

    /// <summary>The call is over: every context made for it is dead from now on (the generation
    /// moves first, with a full fence), then its references are dropped.</summary>
    public void End()
    {
        Interlocked.Increment(ref Generation);
        Set(0, Procedure, null, default, default, null, null, default, site: null);
    }
}
