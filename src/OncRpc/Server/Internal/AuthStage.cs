using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using OncRpc.Auth;
using OncRpc.Auth.Internal;
using OncRpc.Diagnostics;
using OncRpc.Protocol;
using OncRpc.Transport;
using OncRpc.Xdr;

namespace OncRpc.Server.Internal;

/// <summary>
/// Authenticates the call before dispatch (as libtirpc's svc_getreq does):
/// AUTH_NONE passes; AUTH_SYS is parsed (malformed -> AUTH_BADCRED); AUTH_SHORT is resolved
/// through the handle cache (unknown handle, or AUTH_SHORT disabled -> AUTH_REJECTEDCRED, which
/// tells the client to resend full credentials, RFC 5531 Appendix A); any other flavor ->
/// AUTH_BADCRED (as the Linux kernel's sunrpc does: we cannot even check such credentials, so
/// they are not "too weak" but unusable), unless a handler was registered for that flavor
/// (<see cref="RpcServerOptions.AuthFlavors"/>, looked up in a frozen table: no allocation but
/// the credential's copy for the context). Then the <see cref="AuthPolicy"/>, if any, decides.
/// On success an AUTH_SYS call, with AUTH_SHORT enabled, gets its handle as the reply verifier.
/// The call's verifier is not checked for these flavors (libtirpc ignores it too).
/// </summary>
internal sealed class AuthStage(ILogger logger, AuthPolicy? policy, ShortHandleCache? shortHandles,
    FrozenDictionary<AuthFlavor, IRpcAuthFlavorHandler>? flavors, RpcServerTlsOptions? tls = null) : RpcCallStage
{
    // RFC 9289 §4.1: the verifier that tells the client to start TLS.
    private static readonly OpaqueAuth StartTlsVerifier = new(AuthFlavor.None, "STARTTLS"u8.ToArray());

    private readonly AuthSysCache _authSys = new();

    public override ValueTask InvokeAsync(RpcCall call)
    {
        bool overTls = call.Site?.IsTls ?? false;
        if (tls is not null)
        {
            if (call.CredentialFlavor == AuthFlavor.Tls)
            {
                return Probe(call, overTls);
            }
            if (!overTls && tls.PolicyFor(call.Program) == RpcTlsPolicy.Required)
            {
                // A plain call to a program that requires TLS: the credentials may be fine, the
                // transport is too weak (RFC 5531 §9: "rejected for security reasons").
                return Deny(call, AuthStat.TooWeak);
            }
        }
        AuthSysParameters? identity = null;
        OpaqueAuth credential;
        switch (call.CredentialFlavor)
        {
            case AuthFlavor.None:
                credential = call.CredentialLength == 0 ? OpaqueAuth.None : new OpaqueAuth(AuthFlavor.None, call.CredentialBody.ToArray());
                break;
            case AuthFlavor.Sys:
                try
                {
                    AuthSysCache.Entry entry = _authSys.GetOrParse(call.CredentialBody);
                    credential = entry.Credential;
                    identity = entry.Identity;
                }
                catch (XdrException)
                {
                    return Deny(call, AuthStat.BadCred);
                }
                break;
            case AuthFlavor.Short:
                if (shortHandles is null || (identity = shortHandles.TryResolve(call.CredentialBody, out credential)) is null)
                {
                    return Deny(call, AuthStat.RejectedCred);
                }
                break;
            default:
                if (flavors is null || !flavors.TryGetValue(call.CredentialFlavor, out IRpcAuthFlavorHandler? handler))
                {
                    return Deny(call, AuthStat.BadCred);
                }
                RpcAuthFlavorResult result = handler.Authenticate(new RpcAuthFlavorRequest(call.CredentialFlavor, call.CredentialBody,
                    call.VerifierFlavor, call.VerifierBody, call.Program, call.Version, call.Procedure, call.Transport, call.RemoteEndPoint,
                    call.Request[..(call.CredentialOffset + call.CredentialLength)], call.Arguments));
                if (result.Status != AuthStat.Ok)
                {
                    return Deny(call, result.Status);
                }
                if (result.IsDiscarded)
                {
                    call.Drop();
                    return ValueTask.CompletedTask;
                }
                if (result.Answer is { } answer)
                {
                    // The flavor's own control call (RPCSEC_GSS context creation or destruction):
                    // answered here, it reaches no procedure.
                    call.ReplyVerifier = result.ReplyVerifier;
                    call.ReplySuccessRaw(answer.Span);
                    return ValueTask.CompletedTask;
                }
                // The one argument transform of the call lifecycle: arguments are unprotected
                // before anything decodes them, and the reply is protected as it is encoded
                // (RpcCall.ReplySuccess). A failed check is GARBAGE_ARGS (RFC 2203 §5.3.3.4.2-3).
                if (result.Protection is not null && !call.Unprotect(result.Protection))
                {
                    call.ReplyAccepted(Protocol.AcceptStat.GarbageArguments);
                    return ValueTask.CompletedTask;
                }
                // The body outlives the pooled request buffer (the context and the policy see it).
                credential = new OpaqueAuth(call.CredentialFlavor, call.CredentialBody.ToArray());
                call.Principal = result.Principal;
                call.ReplyVerifier = result.ReplyVerifier;
                break;
        }
        call.Credential = credential;

        if (policy is not null)
        {
            AuthStat stat = policy.Authorize(new AuthRequest(
                call.Program, call.Version, call.Procedure, credential, identity, call.Transport, call.RemoteEndPoint)
            {
                IsTls = overTls,
                ClientCertificate = overTls ? call.Site!.ClientCertificate : null,
            });
            if (stat != AuthStat.Ok)
            {
                return Deny(call, stat);
            }
        }

        call.UnixCredential = identity;
        if (shortHandles is not null && identity is not null && call.CredentialFlavor == AuthFlavor.Sys)
        {
            call.ReplyVerifier = shortHandles.GetOrAddVerifier(identity);
        }
        call.Phases.Mark(Diagnostics.Internal.ServerPhases.AuthDone);
        return NextAsync(call);
    }

    /// <summary>RFC 9289 §4.1: the AUTH_TLS probe is a NULL call; a server offering TLS for the
    /// program answers MSG_ACCEPTED SUCCESS with verifier AUTH_NONE "STARTTLS", and the
    /// connection switches to TLS once that reply is out. Anything else carrying AUTH_TLS (not
    /// NULL, over UDP or an established TLS connection, a program that refuses TLS) is answered
    /// as by a server that does not know the flavor: AUTH_BADCRED.</summary>
    private ValueTask Probe(RpcCall call, bool overTls)
    {
        if (call.Procedure != 0 || overTls || call.Transport == RpcTransportKind.Udp
            || tls!.PolicyFor(call.Program) == RpcTlsPolicy.Refused)
        {
            return Deny(call, AuthStat.BadCred);
        }
        call.ReplyVerifier = StartTlsVerifier;
        call.ReplyAccepted(AcceptStat.Success);
        call.StartsTls = true;
        return ValueTask.CompletedTask;
    }

    private ValueTask Deny(RpcCall call, AuthStat stat)
    {
        ServerLog.AuthDenied(logger, stat, call.RemoteEndPoint, call.CredentialFlavor);
        call.ReplyAuthError(stat);
        return ValueTask.CompletedTask;
    }
}
