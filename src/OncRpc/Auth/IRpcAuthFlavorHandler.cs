using System.Net;

namespace OncRpc.Auth;

/// <summary>
/// Authenticates the calls of one credential flavor the server does not know itself (registered
/// in <see cref="Server.RpcServerOptions.AuthFlavors"/>): AUTH_DH, a site's own flavor, a token
/// scheme. Runs on the server's hot path before dispatch, for every call of its flavor, from any
/// thread: keep it fast, thread-safe and non-blocking. Throwing is a server failure (the call is
/// answered SYSTEM_ERR); refuse with <see cref="RpcAuthFlavorResult.Reject"/> instead.
/// </summary>
public interface IRpcAuthFlavorHandler
{
    /// <summary>Accepts the call (with what the handler made of the credential, shown to the
    /// handler as <see cref="Server.RpcCallContext.Principal"/>, and the verifier to put in the
    /// reply) or rejects it with an auth_stat (sent as MSG_DENIED AUTH_ERROR, RFC 5531 §9).</summary>
    RpcAuthFlavorResult Authenticate(in RpcAuthFlavorRequest request);
}

/// <summary>A call's credential and verifier, as received, for an <see cref="IRpcAuthFlavorHandler"/>.
/// The spans are views of the server's request buffer, valid only during the call to the handler.</summary>
public readonly ref struct RpcAuthFlavorRequest
{
    internal RpcAuthFlavorRequest(AuthFlavor flavor, ReadOnlySpan<byte> credential, AuthFlavor verifierFlavor, ReadOnlySpan<byte> verifier,
        uint program, uint version, uint procedure, RpcTransportKind transport, EndPoint? remoteEndPoint,
        ReadOnlySpan<byte> callHeader = default, ReadOnlySpan<byte> arguments = default)
    {
        CallHeader = callHeader;
        Arguments = arguments;
        Flavor = flavor;
        Credential = credential;
        VerifierFlavor = verifierFlavor;
        Verifier = verifier;
        Program = program;
        Version = version;
        Procedure = procedure;
        Transport = transport;
        RemoteEndPoint = remoteEndPoint;
    }

    /// <summary>The credential's flavor (the one the handler was registered for).</summary>
    public AuthFlavor Flavor { get; }

    /// <summary>The credential's body (at most 400 bytes, RFC 5531 §8.2).</summary>
    public ReadOnlySpan<byte> Credential { get; }

    /// <summary>The verifier's flavor.</summary>
    public AuthFlavor VerifierFlavor { get; }

    /// <summary>The verifier's body.</summary>
    public ReadOnlySpan<byte> Verifier { get; }

    /// <summary>Program number called.</summary>
    public uint Program { get; }

    /// <summary>Program version called.</summary>
    public uint Version { get; }

    /// <summary>Procedure number called.</summary>
    public uint Procedure { get; }

    /// <summary>The transport the call came over.</summary>
    public RpcTransportKind Transport { get; }

    /// <summary>The caller's address.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>The call message from its xid up to and including the credential: what a flavor
    /// that signs the header (RPCSEC_GSS, RFC 2203 §5.3.1) checks the verifier against.</summary>
    public ReadOnlySpan<byte> CallHeader { get; }

    /// <summary>The call's argument bytes as sent (still protected, for a flavor that protects them).</summary>
    public ReadOnlySpan<byte> Arguments { get; }
}

/// <summary>What an <see cref="IRpcAuthFlavorHandler"/> decided.</summary>
public readonly struct RpcAuthFlavorResult
{
    private RpcAuthFlavorResult(AuthStat status, object? principal, OpaqueAuth replyVerifier,
        IRpcMessageProtection? protection = null, ReadOnlyMemory<byte>? answer = null, bool discard = false)
    {
        Status = status;
        Principal = principal;
        ReplyVerifier = replyVerifier;
        Protection = protection;
        Answer = answer;
        IsDiscarded = discard;
    }

    /// <summary>When set, the call's arguments are unprotected by it before decoding, and its
    /// results protected by it after encoding (RPCSEC_GSS integrity and privacy).</summary>
    public IRpcMessageProtection? Protection { get; }

    /// <summary>When set, the flavor answered the call itself (a context-creation call): these
    /// encoded results are sent as SUCCESS with <see cref="ReplyVerifier"/>, and nothing is dispatched.</summary>
    public ReadOnlyMemory<byte>? Answer { get; }

    /// <summary>True when the call is dropped without a reply (a replayed RPCSEC_GSS sequence
    /// number, RFC 2203 §5.3.3.1).</summary>
    public bool IsDiscarded { get; }

    /// <summary>Accepts the call, with its arguments and results transformed by <paramref name="protection"/>.</summary>
    public static RpcAuthFlavorResult Accept(object? principal, OpaqueAuth replyVerifier, IRpcMessageProtection? protection) =>
        new(AuthStat.Ok, principal, replyVerifier, protection);

    /// <summary>Answers the call on the flavor's behalf with <paramref name="results"/> (already
    /// encoded, and protected if need be): the call reaches no procedure.</summary>
    public static RpcAuthFlavorResult AnswerWith(ReadOnlyMemory<byte> results, OpaqueAuth replyVerifier) =>
        new(AuthStat.Ok, null, replyVerifier, null, results);

    /// <summary>Drops the call silently: no reply, no procedure.</summary>
    public static RpcAuthFlavorResult Discard() => new(AuthStat.Ok, null, default, null, null, discard: true);

    /// <summary><see cref="AuthStat.Ok"/> when accepted, else why not.</summary>
    public AuthStat Status { get; }

    /// <summary>What the call was accepted as (exposed as <see cref="Server.RpcCallContext.Principal"/>).</summary>
    public object? Principal { get; }

    /// <summary>The verifier sent in the reply (AUTH_NONE by default).</summary>
    public OpaqueAuth ReplyVerifier { get; }

    /// <summary>Accepts the call.</summary>
    public static RpcAuthFlavorResult Accept(object? principal = null, OpaqueAuth replyVerifier = default) =>
        new(AuthStat.Ok, principal, replyVerifier);

    /// <summary>Rejects the call with <paramref name="status"/> (not <see cref="AuthStat.Ok"/>).</summary>
    public static RpcAuthFlavorResult Reject(AuthStat status)
    {
        if (status == AuthStat.Ok)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "a rejection needs a reason other than Ok");
        }
        return new(status, null, default);
    }
}
