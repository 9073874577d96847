using System.Buffers;
using System.Buffers.Binary;
using OncRpc.Auth;
using OncRpc.Protocol;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// A call header (RFC 5531 §9, xid through verifier) encoded once and copied for every call that
/// shares its program, version and credential, with only the xid and the procedure patched in, as
/// libtirpc's clnt_vc keeps its marshalled header. Only for flavors whose verifier does not depend
/// on the header (<see cref="RpcCredentials.VerifierIsConstant"/>: AUTH_NONE, AUTH_SYS, AUTH_SHORT);
/// never for RPCSEC_GSS, which signs each header.
/// <para>Invariant: one template per thread (a sequential caller calls from one thread, and the
/// event loop's continuations from the loop's), so nothing is shared and a miss re-encodes in place
/// without allocating once the buffers are large enough. The bytes are those
/// <see cref="RpcCallHeader.WriteTo"/> writes for (xid 0, program, version, procedure 0,
/// credential, verifier); the key is everything they depend on besides xid and procedure.</para>
/// </summary>
internal sealed class CallHeaderTemplate
{
    private const int ProcedureOffset = 5 * sizeof(uint); // xid, msg_type, rpcvers, prog, vers

    [ThreadStatic]
    private static CallHeaderTemplate? t_current;

    private readonly ArrayBufferWriter<byte> _bytes = new(64);
    private readonly ArrayBufferWriter<byte> _credentialBody = new(16);
    private bool _valid;
    private uint _program;
    private uint _version;
    private AuthFlavor _flavor;

    /// <summary>Writes the header of a call to <paramref name="procedure"/> with
    /// <paramref name="credential"/> and its constant verifier from <paramref name="credentials"/>.</summary>
    public static void Write(IBufferWriter<byte> output, uint xid, RpcProcedureDescriptor procedure, OpaqueAuth credential,
        RpcCredentials credentials)
    {
        CallHeaderTemplate template = t_current ??= new CallHeaderTemplate();
        if (!template.Matches(procedure, credential))
        {
            template.Encode(procedure, credential, credentials);
        }
        ReadOnlySpan<byte> bytes = template._bytes.WrittenSpan;
        Span<byte> span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        BinaryPrimitives.WriteUInt32BigEndian(span, xid);
        BinaryPrimitives.WriteUInt32BigEndian(span[ProcedureOffset..], procedure.Procedure);
        output.Advance(bytes.Length);
    }

    private bool Matches(RpcProcedureDescriptor procedure, OpaqueAuth credential) =>
        _valid && _program == procedure.Program && _version == procedure.Version && _flavor == credential.Flavor
        && credential.Body.Span.SequenceEqual(_credentialBody.WrittenSpan);

    private void Encode(RpcProcedureDescriptor procedure, OpaqueAuth credential, RpcCredentials credentials)
    {
        _valid = false; // stays false if the credential does not encode (over 400 bytes): the caller's encode throws
        _bytes.ResetWrittenCount();
        var writer = new XdrWriter(_bytes);
        new RpcCallHeader(0, procedure.Program, procedure.Version, 0, credential, credentials.GetVerifier(credential)).WriteTo(ref writer);
        writer.Flush();
        _credentialBody.ResetWrittenCount();
        _credentialBody.Write(credential.Body.Span);
        _program = procedure.Program;
        _version = procedure.Version;
        _flavor = credential.Flavor;
        _valid = true;
    }
}
