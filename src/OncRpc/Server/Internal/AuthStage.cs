using Microsoft.Extensions.Logging;
using OncRpc.Auth;
using OncRpc.Auth.Internal;
using OncRpc.Diagnostics;
using OncRpc.Xdr;

namespace OncRpc.Server.Internal;

/// <summary>
/// Authenticates the call before dispatch (as libtirpc's svc_getreq does):
/// AUTH_NONE passes; AUTH_SYS is parsed (malformed -> AUTH_BADCRED); AUTH_SHORT is resolved
/// through the handle cache (unknown handle, or AUTH_SHORT disabled -> AUTH_REJECTEDCRED, which
/// tells the client to resend full credentials, RFC 5531 Appendix A); any other flavor ->
/// AUTH_BADCRED (as the Linux kernel's sunrpc does: we cannot even check such credentials, so
/// they are not "too weak" but unusable). Then the <see cref="AuthPolicy"/>, if any, decides.
/// On success an AUTH_SYS call, with AUTH_SHORT enabled, gets its handle as the reply verifier.
/// The call's verifier is not checked for these flavors (libtirpc ignores it too).
/// </summary>
internal sealed class AuthStage(ILogger logger, AuthPolicy? policy, ShortHandleCache? shortHandles) : RpcCallStage
{
    public override ValueTask InvokeAsync(RpcCall call)
    {
        AuthSysParameters? identity = null;
        OpaqueAuth credential = call.Credential;
        switch (credential.Flavor)
        {
            case AuthFlavor.None:
                break;
            case AuthFlavor.Sys:
                try
                {
                    identity = AuthSysParameters.FromOpaqueAuth(credential);
                }
                catch (XdrException)
                {
                    return Deny(call, AuthStat.BadCred);
                }
                break;
            case AuthFlavor.Short:
                identity = shortHandles?.TryResolve(credential.Body.Span);
                if (identity is null)
                {
                    return Deny(call, AuthStat.RejectedCred);
                }
                break;
            default:
                return Deny(call, AuthStat.BadCred);
        }

        if (policy is not null)
        {
            AuthStat stat = policy.Authorize(new AuthRequest(
                call.Program, call.Version, call.Procedure, credential, identity, call.Transport, call.RemoteEndPoint));
            if (stat != AuthStat.Ok)
            {
                return Deny(call, stat);
            }
        }

        call.UnixCredential = identity;
        if (shortHandles is not null && identity is not null && credential.Flavor == AuthFlavor.Sys)
        {
            call.ReplyVerifier = shortHandles.GetOrAddVerifier(identity);
        }
        return NextAsync(call);
    }

    private ValueTask Deny(RpcCall call, AuthStat stat)
    {
        ServerLog.AuthDenied(logger, stat, call.RemoteEndPoint, call.Credential.Flavor);
        call.ReplyAuthError(stat);
        return ValueTask.CompletedTask;
    }
}
