using System.Buffers;
using System.Net;
using System.Net.Security;

namespace OncRpc.Auth.Gss.Internal;

/// <summary>
/// Kerberos V5 through .NET's own GSS-API binding (<see cref="NegotiateAuthentication"/> with the
/// "Kerberos" package, which on Linux calls MIT's libgssapi_krb5 with the krb5 mechanism, the
/// mechanism libtirpc and the Linux kernel use for RPCSEC_GSS). The acceptor takes its key from
/// the default keytab (KRB5_KTNAME); the initiator its ticket from the default credential cache
/// (KRB5CCNAME). Calls are serialized: a GSS context is not safe for concurrent use.
/// </summary>
internal sealed class NegotiateGssContext(NegotiateAuthentication authentication) : IGssContext
{
    private readonly Lock _lock = new();

    public string? PeerName { get; private set; }

    public GssStepStatus Step(ReadOnlySpan<byte> incoming, out byte[]? outgoing)
    {
        lock (_lock)
        {
            outgoing = authentication.GetOutgoingBlob(incoming, out NegotiateAuthenticationStatusCode status);
            switch (status)
            {
                case NegotiateAuthenticationStatusCode.Completed:
                    try
                    {
                        PeerName = authentication.RemoteIdentity.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        // An initiator's peer has no identity object on some platforms: the target is the name.
                        PeerName = authentication.TargetName;
                    }
                    return GssStepStatus.Complete;
                case NegotiateAuthenticationStatusCode.ContinueNeeded:
                    return GssStepStatus.ContinueNeeded;
                default:
                    return GssStepStatus.Failed;
            }
        }
    }

    public void GetMic(ReadOnlySpan<byte> message, IBufferWriter<byte> mic)
    {
        lock (_lock)
        {
            authentication.ComputeIntegrityCheck(message, mic);
        }
    }

    public bool VerifyMic(ReadOnlySpan<byte> message, ReadOnlySpan<byte> mic)
    {
        lock (_lock)
        {
            return authentication.VerifyIntegrityCheck(message, mic);
        }
    }

    public bool Wrap(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        lock (_lock)
        {
            return authentication.Wrap(input, output, requestEncryption: true, out bool encrypted) == NegotiateAuthenticationStatusCode.Completed
                && encrypted;
        }
    }

    public bool TryUnwrap(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        lock (_lock)
        {
            return authentication.Unwrap(input, output, out bool encrypted) == NegotiateAuthenticationStatusCode.Completed && encrypted;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            authentication.Dispose();
        }
    }
}

/// <summary>The Kerberos mechanism through <see cref="NegotiateAuthentication"/>.</summary>
internal sealed class KerberosGssMechanism : IGssMechanism
{
    public static KerberosGssMechanism Instance { get; } = new();

    public IGssContext CreateInitiator(string targetName) => new NegotiateGssContext(new NegotiateAuthentication(
        new NegotiateAuthenticationClientOptions
        {
            Package = "Kerberos",
            // "nfs@host" (GSS host-based service) and "nfs/host" both name the service; .NET
            // imports "service/host" as GSS_C_NT_HOSTBASED_SERVICE.
            TargetName = targetName.Contains('/', StringComparison.Ordinal) ? targetName : targetName.Replace('@', '/'),
            RequireMutualAuthentication = true,
            RequiredProtectionLevel = System.Net.Security.ProtectionLevel.EncryptAndSign,
            Credential = CredentialCache.DefaultNetworkCredentials,
        }));

    public IGssContext CreateAcceptor() => new NegotiateGssContext(new NegotiateAuthentication(
        new NegotiateAuthenticationServerOptions
        {
            Package = "Kerberos",
            Credential = CredentialCache.DefaultNetworkCredentials,
        }));
}
