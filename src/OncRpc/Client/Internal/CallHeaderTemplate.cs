using System.Buffers.Binary;
using OncRpc.Auth;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// The call header (RFC 5531 §9, xid through verifier) a thread encoded last, copied for the next
/// call with the same program, version and credential, with only the xid and the procedure
/// patched in, as libtirpc's clnt_vc keeps its marshalled header. Only for flavors whose verifier
/// does not depend on the header (<see cref="RpcCredentials.VerifierIsConstant"/>: AUTH_NONE,
/// AUTH_SYS, AUTH_SHORT); never for RPCSEC_GSS, which signs each header.
/// <para>Invariant: the template is one array per thread (a sequential caller calls from one
/// thread, and the event loop's continuations from the loop's), so nothing is shared; it holds the
/// bytes the ordinary encode (<c>CallEncoder</c>) wrote for the thread's last miss, and is its own
/// key: program, version, credential flavor, length and body are compared where they lie in it
/// (the verifier follows from the credential). A miss is encoded as any call is, then kept; the
/// array is replaced only when a longer credential needs more room.</para>
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
    /// <paramref name="credential"/> from this thread's template; false (nothing written) when it
    /// has none for that program, version and credential.</summary>
    public static bool TryWrite(PooledBufferWriter output, uint xid, RpcProcedureDescriptor procedure, OpaqueAuth credential)
    {
        byte[]? bytes = t_bytes;
        if (bytes is null || !Matches(bytes.AsSpan(0, t_length), procedure, credential))
        {
            return false;
        }
        int length = t_length;
        Span<byte> span = output.GetSpan(length);
        bytes.AsSpan(0, length).CopyTo(span);
        BinaryPrimitives.WriteUInt32BigEndian(span, xid);
        BinaryPrimitives.WriteUInt32BigEndian(span[ProcedureOffset..], procedure.Procedure);
        output.Advance(length);
        return true;
    }

    /// <summary>Keeps <paramref name="header"/>, just encoded the ordinary way, as this thread's
    /// template.</summary>
    public static void Keep(ReadOnlySpan<byte> header)
    {
        byte[]? bytes = t_bytes;
        if (bytes is null || bytes.Length < header.Length)
        {
            t_bytes = bytes = new byte[Math.Max(header.Length, 64)];
        }
        header.CopyTo(bytes);
        t_length = header.Length;
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
