using OncRpc.Auth;
using OncRpc.Client.Internal;
using OncRpc.Protocol;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

/// <summary>The call header copied from a template (<see cref="CallHeaderTemplate"/>) is byte for
/// byte the one encoded field by field, whatever changed since the last call on the thread.</summary>
public class CallHeaderTemplateTests
{
    private static readonly RpcProcedureDescriptor ProgA1 = new(0x2000_0101, 1, 1);
    private static readonly RpcProcedureDescriptor ProgA7 = new(0x2000_0101, 1, 7);
    private static readonly RpcProcedureDescriptor ProgAVers2 = new(0x2000_0101, 2, 7);
    private static readonly RpcProcedureDescriptor ProgB = new(0x2000_0202, 1, 7);

    private static byte[] Encoded(uint xid, RpcProcedureDescriptor procedure, RpcCredentials credentials, OpaqueAuth credential)
    {
        PooledBufferWriter buffer = CallEncoder.Encode(xid, procedure, credential, credentials, new XdrInt(42),
            recordMarking: false, maxFragmentSize: int.MaxValue);
        try
        {
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            BufferPool.Return(buffer);
        }
    }

    private static byte[] Expected(uint xid, RpcProcedureDescriptor procedure, OpaqueAuth credential, OpaqueAuth verifier)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new XdrWriter(output);
        new RpcCallHeader(xid, procedure.Program, procedure.Version, procedure.Procedure, credential, verifier).WriteTo(ref writer);
        writer.WriteInt32(42);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    [Fact]
    public void Every_change_of_xid_procedure_program_version_or_credential_shows_in_the_copied_header()
    {
        AuthSysCredentials sys = RpcCredentials.Sys(7, "host-a", 1000, 100, [4]);
        // Same length as host-a's body, other bytes: the key must compare content, not length.
        AuthSysCredentials sysOther = RpcCredentials.Sys(7, "host-b", 1000, 100, [4]);
        var shortHandle = new OpaqueAuth(AuthFlavor.Short, new byte[] { 1, 2, 3, 4, 5 });
        var sameBytesOtherFlavor = new OpaqueAuth((AuthFlavor)99, new byte[] { 1, 2, 3, 4, 5 });
        (uint Xid, RpcProcedureDescriptor Procedure, RpcCredentials Credentials, OpaqueAuth Credential)[] calls =
        [
            (1, ProgA1, RpcCredentials.None, OpaqueAuth.None),
            (2, ProgA1, RpcCredentials.None, OpaqueAuth.None),
            (0xFFFF_FFFF, ProgA7, RpcCredentials.None, OpaqueAuth.None),
            (4, ProgAVers2, RpcCredentials.None, OpaqueAuth.None),
            (5, ProgB, RpcCredentials.None, OpaqueAuth.None),
            (6, ProgB, sys, sys.FullCredential),
            (7, ProgB, sysOther, sysOther.FullCredential),
            (8, ProgB, sys, shortHandle),
            (9, ProgB, sys, sameBytesOtherFlavor),
            (10, ProgA1, RpcCredentials.None, OpaqueAuth.None),
        ];
        Assert.Equal(sys.FullCredential.Body.Length, sysOther.FullCredential.Body.Length);
        foreach ((uint xid, RpcProcedureDescriptor procedure, RpcCredentials credentials, OpaqueAuth credential) in calls)
        {
            Assert.True(credentials.VerifierIsConstant);
            Assert.Equal(Expected(xid, procedure, credential, OpaqueAuth.None), Encoded(xid, procedure, credentials, credential));
        }
    }

    [Fact]
    public void A_credential_over_the_limit_still_throws_and_the_next_call_is_encoded_right()
    {
        var tooLong = new OpaqueAuth(AuthFlavor.Short, new byte[OpaqueAuth.MaxBodyLength + 4]);
        Assert.ThrowsAny<Exception>(() => Encoded(1, ProgA1, RpcCredentials.None, tooLong));
        Assert.Equal(Expected(2, ProgA1, tooLong with { Body = new byte[4] }, OpaqueAuth.None),
            Encoded(2, ProgA1, RpcCredentials.None, tooLong with { Body = new byte[4] }));
    }

    /// <summary>A flavor that signs the header (as RPCSEC_GSS does) is never given a template.</summary>
    private sealed class HeaderSigningCredentials : RpcCredentials
    {
        public override AuthFlavor Flavor => (AuthFlavor)77;

        public override OpaqueAuth GetCredential() => new((AuthFlavor)77, new byte[] { 9, 9, 9, 9 });

        public override OpaqueAuth GetVerifier(OpaqueAuth credential, ReadOnlySpan<byte> callHeader) =>
            new((AuthFlavor)77, callHeader.ToArray());
    }

    [Fact]
    public void A_flavor_whose_verifier_signs_the_header_gets_one_computed_over_each_calls_own_header()
    {
        var signing = new HeaderSigningCredentials();
        Assert.False(signing.VerifierIsConstant);
        OpaqueAuth credential = signing.GetCredential();
        foreach ((uint xid, RpcProcedureDescriptor procedure) in new[] { (1u, ProgA1), (2u, ProgA1), (3u, ProgA7) })
        {
            byte[] throughCredential = Expected(xid, procedure, credential, OpaqueAuth.None)[..^12]; // less verifier (8) and argument (4)
            Assert.Equal(Expected(xid, procedure, credential, new OpaqueAuth((AuthFlavor)77, throughCredential)),
                Encoded(xid, procedure, signing, credential));
        }
    }
}
