using Microsoft.Extensions.Logging;
using OncRpc.Auth;
using OncRpc.Diagnostics;
using OncRpc.Protocol;
using OncRpc.Xdr;

namespace OncRpc.Server.Internal;

/// <summary>
/// Decodes the call header (RFC 5531 §9 rpc_msg / call_body). Without an xid and a CALL
/// msg_type there is nobody to answer: such records are dropped, and so are REPLY messages that
/// get this far (over UDP: on a stream connection the transport routed them to the connection's
/// backchannel before the call began, see <see cref="ServerConnection.RouteReply"/>). rpcvers other than 2 is answered RPC_MISMATCH 2..2 before anything else
/// is read. A header cut short before the credentials is dropped (nothing sensible to say, as
/// libtirpc does); credentials or verifier that do not decode, bodies over 400 bytes included,
/// are answered AUTH_ERROR AUTH_BADCRED.
/// </summary>
internal sealed class HeaderStage(ILogger logger) : RpcCallStage
{
    public override ValueTask InvokeAsync(RpcCall call)
    {
        var reader = new XdrReader(call.Request);
        if (reader.Remaining < 8)
        {
            return Drop(call, "shorter than an xid and msg_type");
        }
        call.Xid = reader.ReadUInt32();
        call.HasXid = true;
        int type = reader.ReadInt32();
        if (type != (int)RpcMessageType.Call)
        {
            return Drop(call, type == (int)RpcMessageType.Reply ? "a REPLY sent to the server" : "undeclared msg_type");
        }
        if (reader.Remaining < 4)
        {
            return Drop(call, "truncated call header");
        }
        // RFC 5531 §9: a server that does not speak the caller's rpcvers says which it does.
        if (reader.ReadUInt32() != RpcCallHeader.RpcVersion)
        {
            call.ReplyRpcMismatch();
            return ValueTask.CompletedTask;
        }
        if (reader.Remaining < 12)
        {
            return Drop(call, "truncated call header");
        }
        call.Program = reader.ReadUInt32();
        call.Version = reader.ReadUInt32();
        call.Procedure = reader.ReadUInt32();
        try
        {
            // Bodies stay in the request buffer: the auth stage copies only what it keeps.
            call.CredentialFlavor = (AuthFlavor)reader.ReadInt32();
            call.CredentialOffset = (int)reader.Position + 4;
            call.CredentialLength = reader.ReadOpaqueSpan(OpaqueAuth.MaxBodyLength, default).Length;
            call.VerifierFlavor = (AuthFlavor)reader.ReadInt32();
            call.VerifierOffset = (int)reader.Position + 4;
            call.VerifierLength = reader.ReadOpaqueSpan(OpaqueAuth.MaxBodyLength, default).Length;
        }
        catch (XdrException)
        {
            // RFC 5531 §8.2: opaque_auth bodies are at most 400 bytes; over that, or cut short.
            call.ReplyAuthError(AuthStat.BadCred);
            return ValueTask.CompletedTask;
        }
        call.ArgumentsOffset = (int)reader.Position;
        call.Phases.Mark(Diagnostics.Internal.ServerPhases.HeaderDone);
        return NextAsync(call);
    }

    private ValueTask Drop(RpcCall call, string reason)
    {
        ServerLog.MessageDropped(logger, call.RemoteEndPoint, reason);
        call.Drop();
        return ValueTask.CompletedTask;
    }
}
