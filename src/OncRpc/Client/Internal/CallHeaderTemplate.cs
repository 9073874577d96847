using System.Buffers.Binary;
using OncRpc.Auth;
using OncRpc.Protocol;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// The call header (RFC 5531 §9, xid through verifier) a thread encoded last, copied for the next
/// call with the same program, version and credential, with only the xid and the procedure
/// patched in, as libtirpc's clnt_vc keeps its marshalled header. Only for flavors whose verifier
/// does not depend on the header (<see cref="RpcCredentials.VerifierIsConstant"/>: AUTH_NONE,
/// AUTH_SYS, AUTH_SHORT); never for RPCSEC_GSS, which signs each header.
/// <para>Invariant: the template is one array per thread (a sequential caller calls from one
/// thread, and the event loop's continuations from the loop's), so nothing is shared; it holds the
/// bytes <see cref="RpcCallHeader.WriteTo"/> wrote for the thread's last miss, and is its own key:
/// program, version, credential flavor, length and body are compared where they lie in it (the
/// verifier follows from the credential). A miss encodes into the output as any call did, then
/// copies what it wrote; the array is replaced only when a longer credential needs more room.</para>
/// </summary>
internal static class CallHeaderTemplate
{
    // Offsets in the header: xid, msg_type, rpcvers, prog, vers, proc, then cred (flavor, length, body).
    private const int ProgramOffset = 12;
    private const int VersionOffset = 16;
    private const int ProcedureOffset = 20;
    private const int FlavorOffset = 24;
    private const int BodyLengthOffset = 28;
    private const int BodyOffset = 32;

    [ThreadStatic]
    private static byte[]? t_bytes;

    [ThreadStatic]
    private static int t_length;

    /// <summary>Writes the header of a call to <paramref name="procedure"/> with
    /// <paramref name="credential"/> and its verifier from <paramref name="credentials"/>.</summary>
    public static void Write(PooledBufferWriter output, uint xid, RpcProcedureDescriptor procedure, OpaqueAuth credential,
        RpcCredentials credentials)
    {
        byte[]? bytes = t_bytes;
        if (bytes is not null && Matches(bytes.AsSpan(0, t_length), procedure, credential))
        {
            int length = t_length;
            Span<byte> span = output.GetSpan(length);
            bytes.AsSpan(0, length).CopyTo(span);
            BinaryPrimitives.WriteUInt32BigEndian(span, xid);
            BinaryPrimitives.WriteUInt32BigEndian(span[ProcedureOffset..], procedure.Procedure);
            output.Advance(length);
            return;
        }
        int start = output.WrittenCount;
        var writer = new XdrWriter(output);
        new RpcCallHeader(xid, procedure.Program, procedure.Version, procedure.Procedure, credential, credentials.GetVerifier(credential))
            .WriteTo(ref writer);
        writer.Flush();
        ReadOnlySpan<byte> written = output.WrittenSpan[start..];
        if (bytes is null || bytes.Length < written.Length)
        {
            t_bytes = bytes = new byte[Math.Max(written.Length, 64)];
        }
        written.CopyTo(bytes);
        t_length = written.Length;
    }

    /// <summary>True when <paramref name="header"/> (a whole encoded header) was written for the
    /// same program, version and credential. Its body length word equals the credential's before
    /// the body is compared, so the body lies inside it.</summary>
    private static bool Matches(ReadOnlySpan<byte> header, RpcProcedureDescriptor procedure, OpaqueAuth credential)
    {
        ReadOnlySpan<byte> body = credential.Body.Span;
        return BinaryPrimitives.ReadUInt32BigEndian(header[ProgramOffset..]) == procedure.Program
            && BinaryPrimitives.ReadUInt32BigEndian(header[VersionOffset..]) == procedure.Version
            && BinaryPrimitives.ReadInt32BigEndian(header[FlavorOffset..]) == (int)credential.Flavor
            && BinaryPrimitives.ReadInt32BigEndian(header[BodyLengthOffset..]) == body.Length
            && body.SequenceEqual(header.Slice(BodyOffset, body.Length));
    }
}
