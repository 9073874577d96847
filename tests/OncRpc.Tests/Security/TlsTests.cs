using System.Net;
using System.Security.Cryptography.X509Certificates;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Transport;
using OncRpc.Testing.Tls;
using OncRpc.Xdr;

namespace OncRpc.Tests.Security;

/// <summary>
/// RPC-with-TLS (RFC 9289), our client against our server over loopback: the probe and the
/// handshake, mutual TLS with the certificate in the call context and the auth policy, the
/// per-program policy, and every rejection (status, and the handler never ran).
/// </summary>
public sealed class TlsTests : IAsyncLifetime
{
    private const uint Optional = 0x20000301;
    private const uint Required = 0x20000302;
    private const uint Refused = 0x20000303;
    private static readonly TlsCertificates Certs = TlsCertificates.Shared;

    private readonly string _unixPath = Path.Combine(Path.GetTempPath(), $"oncrpc-tls-{Guid.NewGuid():N}.sock");
    private readonly List<RpcServer> _servers = [];
    private int _invocations;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RpcProcedureDescriptor Null(uint program) => new(program, 1, 0, "TLS_PROG", "NULL");
    private static RpcProcedureDescriptor Echo(uint program) => new(program, 1, 1, "TLS_PROG", "ECHO");
    private static RpcProcedureDescriptor Who(uint program) => new(program, 1, 2, "TLS_PROG", "WHO");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (RpcServer server in _servers)
        {
            await server.DisposeAsync();
        }
        File.Delete(_unixPath);
    }

    /// <summary>A server with the three programs (each: NULL, ECHO of opaque, WHO = "tls:subject"
    /// as the context sees it); every ECHO and WHO counts an invocation.</summary>
    private async Task<IPEndPoint> StartServerAsync(Action<RpcServerTlsOptions>? tls, AuthPolicy? policy = null, bool unix = false)
    {
        RpcServerTlsOptions? tlsOptions = null;
        if (tls is not null)
        {
            tlsOptions = new RpcServerTlsOptions { ServerCertificate = Certs.Server };
            tlsOptions.ClientTrustAnchors.Add(Certs.Ca);
            tlsOptions.ProgramPolicies[Required] = RpcTlsPolicy.Required;
            tlsOptions.ProgramPolicies[Refused] = RpcTlsPolicy.Refused;
            tls(tlsOptions);
        }
        var server = new RpcServer(new RpcServerOptions { Tls = tlsOptions, AuthPolicy = policy, MaxRecordSize = 8 << 20 });
        foreach (uint program in new[] { Optional, Required, Refused })
        {
            server.Dispatcher
                .Register<XdrVoid, XdrVoid>(Null(program), (_, _) => ValueTask.FromResult(default(XdrVoid)))
                .Register<XdrOpaque, XdrOpaque>(Echo(program), (data, _) =>
                {
                    Interlocked.Increment(ref _invocations);
                    return ValueTask.FromResult(data);
                })
                .Register<XdrVoid, XdrString>(Who(program), (_, context) =>
                {
                    Interlocked.Increment(ref _invocations);
                    return ValueTask.FromResult(new XdrString($"{(context.IsTls ? "tls" : "plain")}:{context.ClientCertificate?.Subject}"));
                });
        }
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        if (unix)
        {
            server.ListenUnix(_unixPath);
        }
        _servers.Add(server);
        await server.StartAsync(Ct);
        return (IPEndPoint)server.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint;
    }

    private static RpcClientOptions ClientOptions(X509Certificate2? clientCertificate = null, bool required = true,
        uint probeProgram = Optional, X509Certificate2? anchor = null)
    {
        var tls = new RpcClientTlsOptions { TargetHost = "localhost", ClientCertificate = clientCertificate, Required = required, ProbeProgram = probeProgram, ProbeVersion = 1 };
        tls.TrustAnchors.Add(anchor ?? Certs.Ca);
        return new RpcClientOptions { Tls = tls, MaxRecordSize = 8 << 20, Reconnect = false };
    }

    [Fact]
    public async Task Calls_go_over_tls_async_and_sync()
    {
        IPEndPoint endPoint = await StartServerAsync(_ => { });
        await using RpcClient client = await RpcClient.ConnectTcpAsync(endPoint, ClientOptions(), Ct);
        Assert.Equal("tls:", (string)await client.CallAsync<XdrVoid, XdrString>(Who(Optional), default, Ct));
        Assert.Equal("tls:", (string)client.Call<XdrVoid, XdrString>(Who(Required), default, Ct));
        byte[] data = [1, 2, 3, 4, 5];
        Assert.Equal(data, (await client.CallAsync<XdrOpaque, XdrOpaque>(Echo(Optional), new XdrOpaque(data), Ct)).Value.ToArray());
        Assert.Equal(data, client.Call<XdrOpaque, XdrOpaque>(Echo(Required), new XdrOpaque(data), Ct).Value.ToArray());
    }

    [Fact]
    public async Task Calls_go_over_tls_on_unix_sockets()
    {
        await StartServerAsync(_ => { }, unix: true);
        await using RpcClient client = await RpcClient.ConnectUnixAsync(_unixPath, ClientOptions(), Ct);
        Assert.Equal("tls:", (string)await client.CallAsync<XdrVoid, XdrString>(Who(Required), default, Ct));
    }

    [Fact]
    public async Task Mutual_tls_puts_the_client_certificate_in_the_context()
    {
        IPEndPoint endPoint = await StartServerAsync(tls => tls.RequireClientCertificate = true);
        await using RpcClient client = await RpcClient.ConnectTcpAsync(endPoint, ClientOptions(Certs.Client), Ct);
        Assert.Equal("tls:CN=backup-agent", (string)await client.CallAsync<XdrVoid, XdrString>(Who(Required), default, Ct));
    }

    [Fact]
    public async Task Allow_list_policy_admits_listed_certificate_subjects_only()
    {
        var policy = new AllowListAuthPolicy { CertificateSubjects = ["CN=backup-agent"] };
        IPEndPoint endPoint = await StartServerAsync(_ => { }, policy);
        await using (RpcClient client = await RpcClient.ConnectTcpAsync(endPoint, ClientOptions(Certs.Client), Ct))
        {
            Assert.Equal("tls:CN=backup-agent", (string)await client.CallAsync<XdrVoid, XdrString>(Who(Optional), default, Ct));
        }
        Assert.Equal(1, _invocations);
        await using (RpcClient anonymous = await RpcClient.ConnectTcpAsync(endPoint, ClientOptions(), Ct))
        {
            var denied = await Assert.ThrowsAsync<RpcException>(() => anonymous.CallAsync<XdrVoid, XdrString>(Who(Optional), default, Ct).AsTask());
            Assert.Equal(RpcStatus.AuthError, denied.Status);
            Assert.Equal(AuthStat.TooWeak, denied.AuthStat);
        }
        await using (RpcClient plain = await RpcClient.ConnectTcpAsync(endPoint, new RpcClientOptions(), Ct))
        {
            var denied = await Assert.ThrowsAsync<RpcException>(() => plain.CallAsync<XdrVoid, XdrString>(Who(Optional), default, Ct).AsTask());
            Assert.Equal(AuthStat.TooWeak, denied.AuthStat);
        }
        Assert.Equal(1, _invocations);
    }

    [Fact]
    public async Task A_plain_call_to_a_program_that_requires_tls_is_denied_too_weak_and_never_runs()
    {
        IPEndPoint endPoint = await StartServerAsync(_ => { });
        await using RpcClient plain = await RpcClient.ConnectTcpAsync(endPoint, new RpcClientOptions(), Ct);
        var denied = await Assert.ThrowsAsync<RpcException>(() => plain.CallAsync<XdrOpaque, XdrOpaque>(Echo(Required), new XdrOpaque(new byte[8]), Ct).AsTask());
        Assert.Equal(RpcStatus.AuthError, denied.Status);
        Assert.Equal(AuthStat.TooWeak, denied.AuthStat);
        var deniedSync = Assert.Throws<RpcException>(() => plain.Call<XdrVoid, XdrString>(Who(Required), default, Ct));
        Assert.Equal(AuthStat.TooWeak, deniedSync.AuthStat);
        Assert.Equal(0, _invocations);
        // The same connection still serves the programs that do not require TLS.
        Assert.Equal("plain:", (string)await plain.CallAsync<XdrVoid, XdrString>(Who(Optional), default, Ct));
        Assert.Equal("plain:", (string)await plain.CallAsync<XdrVoid, XdrString>(Who(Refused), default, Ct));
    }

    [Fact]
    public async Task A_program_that_refuses_tls_answers_the_probe_badcred()
    {
        IPEndPoint endPoint = await StartServerAsync(_ => { });
        var failed = await Assert.ThrowsAsync<RpcException>(() => RpcClient.ConnectTcpAsync(endPoint, ClientOptions(probeProgram: Refused), Ct));
        Assert.Equal(RpcStatus.TlsFailed, failed.Status);
        // Opportunistic: the connection goes on in plain text.
        await using RpcClient client = await RpcClient.ConnectTcpAsync(endPoint, ClientOptions(required: false, probeProgram: Refused), Ct);
        Assert.Equal("plain:", (string)await client.CallAsync<XdrVoid, XdrString>(Who(Refused), default, Ct));
    }

    [Fact]
    public async Task A_server_without_tls_answers_the_probe_badcred()
    {
        IPEndPoint endPoint = await StartServerAsync(tls: null);
        var failed = await Assert.ThrowsAsync<RpcException>(() => RpcClient.ConnectTcpAsync(endPoint, ClientOptions(), Ct));
        Assert.Equal(RpcStatus.TlsFailed, failed.Status);
        Assert.Throws<RpcException>(() => RpcClient.ConnectTcpAsync(endPoint, ClientOptions(), Ct).GetAwaiter().GetResult());
        await using RpcClient client = await RpcClient.ConnectTcpAsync(endPoint, ClientOptions(required: false), Ct);
        Assert.Equal("plain:", (string)await client.CallAsync<XdrVoid, XdrString>(Who(Required), default, Ct));
    }

    public static TheoryData<string> BadServerCertificates => ["expired", "wrong-name", "untrusted-ca"];

    [Theory]
    [MemberData(nameof(BadServerCertificates))]
    public async Task The_client_rejects_a_bad_server_certificate(string which)
    {
        X509Certificate2 certificate = which switch
        {
            "expired" => Certs.ExpiredServer,
            "wrong-name" => Certs.WrongNameServer,
            _ => Certs.UntrustedServer,
        };
        IPEndPoint endPoint = await StartServerAsync(tls => tls.ServerCertificate = certificate);
        var failed = await Assert.ThrowsAsync<RpcException>(() => RpcClient.ConnectTcpAsync(endPoint, ClientOptions(), Ct));
        Assert.Equal(RpcStatus.TlsFailed, failed.Status);
        Assert.Equal(0, _invocations);
    }

    public static TheoryData<string> BadClientCertificates => ["expired", "untrusted-ca", "none"];

    [Theory]
    [MemberData(nameof(BadClientCertificates))]
    public async Task The_server_rejects_a_bad_client_certificate_and_runs_nothing(string which)
    {
        X509Certificate2? certificate = which switch
        {
            "expired" => Certs.ExpiredClient,
            "untrusted-ca" => Certs.UntrustedClient,
            _ => null,
        };
        IPEndPoint endPoint = await StartServerAsync(tls => tls.RequireClientCertificate = true);
        // TLS 1.3: the client's handshake may finish before the server has judged its certificate,
        // so the rejection shows on the handshake or on the first call; either way it is a TLS failure.
        var failed = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await using RpcClient client = await RpcClient.ConnectTcpAsync(endPoint, ClientOptions(certificate), Ct);
            await client.CallAsync<XdrOpaque, XdrOpaque>(Echo(Required), new XdrOpaque(new byte[8]), Ct);
        });
        Assert.Equal(RpcStatus.TlsFailed, failed.Status);
        Assert.Equal(0, _invocations);
    }

    [Fact]
    public async Task An_optional_client_certificate_that_does_not_verify_is_rejected()
    {
        IPEndPoint endPoint = await StartServerAsync(_ => { });
        var failed = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await using RpcClient client = await RpcClient.ConnectTcpAsync(endPoint, ClientOptions(Certs.UntrustedClient), Ct);
            await client.CallAsync<XdrOpaque, XdrOpaque>(Echo(Optional), new XdrOpaque(new byte[8]), Ct);
        });
        Assert.Equal(RpcStatus.TlsFailed, failed.Status);
        Assert.Equal(0, _invocations);
    }

    [Fact]
    public async Task Many_calls_in_flight_over_tls()
    {
        IPEndPoint endPoint = await StartServerAsync(_ => { });
        await using RpcClient client = await RpcClient.ConnectTcpAsync(endPoint, ClientOptions(), Ct);
        Task<XdrOpaque>[] calls = [.. Enumerable.Range(0, 256).Select(i =>
            client.CallAsync<XdrOpaque, XdrOpaque>(Echo(Required), new XdrOpaque(BitConverter.GetBytes(i)), Ct).AsTask())];
        XdrOpaque[] replies = await Task.WhenAll(calls);
        for (int i = 0; i < replies.Length; i++)
        {
            Assert.Equal(i, BitConverter.ToInt32(replies[i].Value.Span));
        }
        Assert.Equal(256, _invocations);
    }

    [Fact]
    public async Task Large_records_over_tls()
    {
        IPEndPoint endPoint = await StartServerAsync(_ => { });
        await using RpcClient client = await RpcClient.ConnectTcpAsync(endPoint, ClientOptions(), Ct);
        byte[] data = new byte[1 << 20];
        Random.Shared.NextBytes(data);
        Assert.Equal(data, (await client.CallAsync<XdrOpaque, XdrOpaque>(Echo(Required), new XdrOpaque(data), Ct)).Value.ToArray());
        Assert.Equal(data, client.Call<XdrOpaque, XdrOpaque>(Echo(Required), new XdrOpaque(data), Ct).Value.ToArray());
    }
}
