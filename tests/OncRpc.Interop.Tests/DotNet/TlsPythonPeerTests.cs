using System.Net;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Server;
using OncRpc.Testing.Tls;
using OncRpc.Transport;
using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.DotNet;

/// <summary>
/// RPC-with-TLS (RFC 9289) against an independent peer: tests/TestData/python/rpc_tls_peer.py,
/// which builds the probe, the record marking and the replies by hand and runs TLS with Python's
/// ssl module (OpenSSL), as server (our client probes and handshakes with it) and as client (it
/// probes our server). Certificates are made by the test and handed over as PEM files.
/// </summary>
public sealed class TlsPythonPeerTests : IDisposable
{
    private const uint Program = 0x20000301;
    private static readonly RpcProcedureDescriptor Null = new(Program, 1, 0, "TLS_PROG", "NULL");
    private static readonly RpcProcedureDescriptor Echo = new(Program, 1, 1, "TLS_PROG", "ECHO");
    private static readonly RpcProcedureDescriptor Who = new(Program, 1, 2, "TLS_PROG", "WHO");
    private static readonly TlsCertificates Certs = TlsCertificates.Shared;

    private readonly string _directory = Directory.CreateTempSubdirectory("oncrpc-tls-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Peer => Path.Combine(CPeers.TestDataDirectory, "python", "rpc_tls_peer.py");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Python()
    {
        string? python = Requirements.FindOnPath("python3");
        if (python is null)
        {
            Requirements.SkipOrFail("python3 is not installed (Debian package python3)");
        }
        return python!;
    }

    private string CaFile()
    {
        string path = Path.Combine(_directory, "ca.crt");
        File.WriteAllText(path, Certs.Ca.ExportCertificatePem());
        return path;
    }

    private static RpcClientOptions ClientOptions(bool withCertificate)
    {
        var tls = new RpcClientTlsOptions { TargetHost = "localhost", ProbeProgram = Program, ProbeVersion = 1, ClientCertificate = withCertificate ? Certs.Client : null };
        tls.TrustAnchors.Add(Certs.Ca);
        return new RpcClientOptions { Tls = tls, Timeout = TimeSpan.FromSeconds(20) };
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Our_client_probes_and_handshakes_with_the_python_server(bool mutual)
    {
        string python = Python();
        (string cert, string key) = TlsCertificates.WritePem(Certs.Server, _directory, "server");
        var arguments = new List<string> { Peer, "server", "--cert", cert, "--key", key, "--ca", CaFile() };
        if (mutual)
        {
            arguments.Add("--require-client-cert");
        }
        await using PeerProcess server = await PeerProcess.StartAsync(python, arguments, cancellationToken: Ct);
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.TcpEndPoint, ClientOptions(mutual), Ct);
        await client.CallAsync<XdrVoid, XdrVoid>(Null, default, Ct);
        byte[] data = new byte[300_000];
        Random.Shared.NextBytes(data);
        Assert.Equal(data, (await client.CallAsync<XdrOpaque, XdrOpaque>(Echo, new XdrOpaque(data), Ct)).Value.ToArray());
        Assert.Equal(data, client.Call<XdrOpaque, XdrOpaque>(Echo, new XdrOpaque(data), Ct).Value.ToArray());
        string who = await client.CallAsync<XdrVoid, XdrString>(Who, default, Ct);
        Assert.Equal(mutual ? "CN=backup-agent" : "", who);
    }

    [Fact]
    public async Task Our_client_refuses_the_python_server_with_an_untrusted_certificate()
    {
        string python = Python();
        (string cert, string key) = TlsCertificates.WritePem(Certs.UntrustedServer, _directory, "server");
        await using PeerProcess server = await PeerProcess.StartAsync(python, [Peer, "server", "--cert", cert, "--key", key, "--ca", CaFile()], cancellationToken: Ct);
        var failed = await Assert.ThrowsAsync<RpcException>(() => RpcClient.ConnectTcpAsync(server.TcpEndPoint, ClientOptions(false), Ct));
        Assert.Equal(RpcStatus.TlsFailed, failed.Status);
    }

    [Fact]
    public async Task A_plain_call_to_the_python_server_is_denied_too_weak()
    {
        string python = Python();
        (string cert, string key) = TlsCertificates.WritePem(Certs.Server, _directory, "server");
        await using PeerProcess server = await PeerProcess.StartAsync(python, [Peer, "server", "--cert", cert, "--key", key, "--ca", CaFile()], cancellationToken: Ct);
        await using RpcClient plain = await RpcClient.ConnectTcpAsync(server.TcpEndPoint, new RpcClientOptions(), Ct);
        var denied = await Assert.ThrowsAsync<RpcException>(() => plain.CallAsync<XdrVoid, XdrString>(Who, default, Ct).AsTask());
        Assert.Equal(AuthStat.TooWeak, denied.AuthStat);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_python_client_probes_and_handshakes_with_our_server(bool mutual)
    {
        string python = Python();
        int invocations = 0;
        var tls = new RpcServerTlsOptions { ServerCertificate = Certs.Server, RequireClientCertificate = mutual, DefaultPolicy = RpcTlsPolicy.Required };
        tls.ClientTrustAnchors.Add(Certs.Ca);
        await using var server = new RpcServer(new RpcServerOptions { Tls = tls });
        server.Dispatcher
            .Register<XdrVoid, XdrVoid>(Null, (_, _) => ValueTask.FromResult(default(XdrVoid)))
            .Register<XdrOpaque, XdrOpaque>(Echo, (data, _) => { Interlocked.Increment(ref invocations); return ValueTask.FromResult(data); })
            .Register<XdrVoid, XdrString>(Who, (_, context) => ValueTask.FromResult(new XdrString(context.IsTls ? context.ClientCertificate?.Subject ?? "" : "plain")));
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(Ct);
        int port = ((IPEndPoint)server.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint).Port;
        var arguments = new List<string> { Peer, "client", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ca", CaFile() };
        if (mutual)
        {
            (string cert, string key) = TlsCertificates.WritePem(Certs.Client, _directory, "client");
            arguments.AddRange(["--cert", cert, "--key", key]);
        }
        ProcessResult result = await ProcessRunner.RunAsync(python, arguments, TimeSpan.FromSeconds(60), cancellationToken: Ct);
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("OK probe STARTTLS", result.StandardOutput);
        Assert.Contains("OK handshake TLSv1.3 alpn sunrpc", result.StandardOutput);
        Assert.Contains("OK echo 200000", result.StandardOutput);
        Assert.Contains(mutual ? "OK who CN=backup-agent" : "OK who \n", result.StandardOutput.Replace("\r", ""));
        Assert.Equal(1, invocations);
    }
}
