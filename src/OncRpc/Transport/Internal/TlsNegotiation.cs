using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OncRpc.Auth;

namespace OncRpc.Transport.Internal;

/// <summary>
/// RPC-with-TLS (RFC 9289) set-up, both sides: the AUTH_TLS probe and the TLS 1.3 handshake
/// with ALPN "sunrpc", on the connection the probe went over. Record marking continues
/// unchanged inside TLS.
/// </summary>
internal static class TlsNegotiation
{
    /// <summary>RFC 9289 §4.1: the body of the AUTH_NONE verifier a server answers the probe with.</summary>
    public static ReadOnlySpan<byte> StartTls => "STARTTLS"u8;

    /// <summary>RFC 9289 and the IANA ALPN registry: "sunrpc".</summary>
    public static readonly SslApplicationProtocol Alpn = new("sunrpc"u8.ToArray());

    public static X509Certificate2? Certificate2(X509Certificate? certificate) => certificate switch
    {
        null => null,
        X509Certificate2 c2 => c2,
        _ => X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()),
    };

    /// <summary>The client side, blocking (run on a pool thread by the async connect, like the
    /// connect itself): sends the probe, reads its reply and, when the server answered STARTTLS,
    /// runs the handshake. Returns the channel to use; plain when the server does not offer TLS
    /// and TLS is not required. Closes the socket on failure.</summary>
    public static ByteChannel Upgrade(Socket socket, EndPoint endPoint, RpcClientTlsOptions tls, TimeSpan timeout)
    {
        int timeoutMs = timeout == Timeout.InfiniteTimeSpan ? 0 : (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds);
        socket.ReceiveTimeout = timeoutMs;
        socket.SendTimeout = timeoutMs;
        try
        {
            if (!Probe(socket, tls))
            {
                if (tls.Required)
                {
                    throw new RpcException(RpcStatus.TlsFailed, $"the server at {endPoint} does not offer RPC-with-TLS");
                }
                return new SocketChannel(socket);
            }
            var stream = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
            try
            {
                stream.AuthenticateAsClient(ClientOptions(tls, endPoint));
            }
            catch
            {
                stream.Dispose();
                throw;
            }
            if (stream.NegotiatedApplicationProtocol != Alpn)
            {
                stream.Dispose();
                throw new RpcException(RpcStatus.TlsFailed, $"the server at {endPoint} did not agree to ALPN \"sunrpc\"");
            }
            return new TlsChannel(socket, stream);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException)
        {
            socket.Dispose();
            throw new RpcException(RpcStatus.TlsFailed, $"RPC-with-TLS with {endPoint} failed: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>RFC 9289 §4.1: a NULL call with credential AUTH_TLS (empty body) and verifier
    /// AUTH_NONE. True when the reply is MSG_ACCEPTED SUCCESS with verifier AUTH_NONE "STARTTLS";
    /// any other well-formed reply (typically AUTH_ERROR / AUTH_BADCRED from a server without
    /// TLS) means TLS is not offered.</summary>
    private static bool Probe(Socket socket, RpcClientTlsOptions tls)
    {
        uint xid = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        Span<byte> call = stackalloc byte[4 + 40];
        RecordMarking.WriteHeader(call, 40, last: true);
        Span<byte> body = call[4..];
        BinaryPrimitives.WriteUInt32BigEndian(body, xid);
        BinaryPrimitives.WriteUInt32BigEndian(body[4..], 0);            // CALL
        BinaryPrimitives.WriteUInt32BigEndian(body[8..], 2);            // rpcvers
        BinaryPrimitives.WriteUInt32BigEndian(body[12..], tls.ProbeProgram);
        BinaryPrimitives.WriteUInt32BigEndian(body[16..], tls.ProbeVersion);
        BinaryPrimitives.WriteUInt32BigEndian(body[20..], 0);           // NULLPROC
        BinaryPrimitives.WriteUInt32BigEndian(body[24..], (uint)AuthFlavor.Tls);
        BinaryPrimitives.WriteUInt32BigEndian(body[28..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(body[32..], (uint)AuthFlavor.None);
        BinaryPrimitives.WriteUInt32BigEndian(body[36..], 0);
        for (ReadOnlySpan<byte> rest = call; !rest.IsEmpty;)
        {
            rest = rest[socket.Send(rest, SocketFlags.None)..];
        }
        Span<byte> header = stackalloc byte[4];
        ReceiveExactly(socket, header);
        (int length, bool last) = RecordMarking.ReadHeader(header);
        if (!last || length < 12 || length > 1024)
        {
            throw new IOException($"malformed reply to the AUTH_TLS probe (fragment of {length} bytes)");
        }
        byte[] reply = new byte[length];
        ReceiveExactly(socket, reply);
        uint replyXid = BinaryPrimitives.ReadUInt32BigEndian(reply);
        uint type = BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4));
        uint stat = BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(8));
        if (replyXid != xid || type != 1)
        {
            throw new IOException("the reply to the AUTH_TLS probe does not match it");
        }
        if (stat != 0 || length < 20)
        {
            return false; // MSG_DENIED: AUTH_TLS not known or refused
        }
        uint verifierFlavor = BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(12));
        uint verifierLength = BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(16));
        if (verifierFlavor != (uint)AuthFlavor.None || verifierLength != (uint)StartTls.Length || length < 20 + 8 + 4)
        {
            return false;
        }
        return reply.AsSpan(20, 8).SequenceEqual(StartTls) && BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(28)) == 0;
    }

    private static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int received = socket.Receive(buffer, SocketFlags.None);
            if (received == 0)
            {
                throw new IOException("the server closed the connection during the AUTH_TLS probe");
            }
            buffer = buffer[received..];
        }
    }

    private static SslClientAuthenticationOptions ClientOptions(RpcClientTlsOptions tls, EndPoint endPoint)
    {
        SslClientAuthenticationOptions options = tls.Authentication ?? new SslClientAuthenticationOptions
        {
            TargetHost = tls.TargetHost ?? (endPoint as DnsEndPoint)?.Host ?? "localhost",
        };
        if (tls.Authentication is null)
        {
            if (tls.TrustAnchors.Count > 0)
            {
                options.CertificateChainPolicy = CustomTrust(tls.TrustAnchors);
            }
            if (tls.ClientCertificate is { } certificate)
            {
                // Offered whatever CA list the server sends (it may send none).
                options.ClientCertificateContext = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
            }
        }
        options.ApplicationProtocols = [Alpn];
        options.EnabledSslProtocols = SslProtocols.Tls13; // RFC 9289: TLS 1.3 or later
        // A resumed session carries no certificate exchange: the server would not see (or could
        // mix up) who the client is, so every connection runs a full handshake.
        options.AllowTlsResume = false;
        return options;
    }

    /// <summary>The server side's handshake options.</summary>
    public static SslServerAuthenticationOptions ServerOptions(RpcServerTlsOptions tls)
    {
        SslServerAuthenticationOptions options = tls.Authentication ?? new SslServerAuthenticationOptions
        {
            ServerCertificate = tls.ServerCertificate ?? throw new InvalidOperationException("RpcServerTlsOptions needs a ServerCertificate or Authentication"),
            // Always asked for (TLS 1.3 CertificateRequest), so a client that has one presents it
            // and policies can use it; whether none is acceptable is the callback's decision below.
            ClientCertificateRequired = true,
        };
        if (tls.Authentication is null && tls.ClientTrustAnchors.Count > 0)
        {
            options.CertificateChainPolicy = CustomTrust(tls.ClientTrustAnchors);
        }
        if (tls.Authentication is null)
        {
            // Decided here rather than left to SslStream's default: a missing certificate is fine
            // only when none is required, and one that is presented must verify either way.
            bool required = tls.RequireClientCertificate;
            options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is null ? !required : errors == SslPolicyErrors.None;
        }
        options.ApplicationProtocols = [Alpn];
        options.EnabledSslProtocols = SslProtocols.Tls13;
        options.AllowTlsResume = false; // the client certificate is checked on every connection
        return options;
    }

    private static X509ChainPolicy CustomTrust(X509Certificate2Collection anchors)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // Private CAs rarely publish revocation lists; callers who want checks pass Authentication.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(anchors);
        return policy;
    }
}
