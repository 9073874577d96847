namespace OncRpc.Server.Internal;

/// <summary>
/// Where calls come from and where their replies go: a stream connection or a UDP end point,
/// whichever I/O model serves it. The <see cref="CallLifecycle"/> drives every call through the
/// same steps; a site only says how its bytes move and what a finished call frees.
/// </summary>
internal interface ICallSite
{
    /// <summary>The calls of this site that have begun and not yet ended.</summary>
    InFlightTracker InFlight { get; }

    /// <summary>Sends the reply of a call whose processing went asynchronous, from whatever
    /// thread it finished on. Only called when the call has a reply.</summary>
    ValueTask SendLateReplyAsync(RpcCall call);

    /// <summary>A call has ended (its object is back in the pool and it no longer counts as in
    /// flight): free its slot, resume reading if that was paused.</summary>
    void OnCallEnded();

    /// <summary>A client calling the peer of this site back over the same connection, for the
    /// handler's <see cref="RpcCallContext.Backchannel"/>; null where there is none (UDP).</summary>
    Client.RpcClient? Backchannel => null;

    /// <summary>True once the connection runs over TLS (RFC 9289).</summary>
    bool IsTls => false;

    /// <summary>The client's verified certificate, over mutual TLS.</summary>
    System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate => null;
}
