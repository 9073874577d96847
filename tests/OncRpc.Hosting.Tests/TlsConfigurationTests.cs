using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Testing.Tls;
using OncRpc.Transport;
using OncRpc.Xdr;

namespace OncRpc.Hosting.Tests;

/// <summary>RPC-with-TLS from <c>OncRpc:Server:Tls</c>: PEM files, mutual TLS, per-program policy.</summary>
public sealed class TlsConfigurationTests : IDisposable
{
    private const uint Program = 0x20000321;
    private readonly string _directory = Directory.CreateTempSubdirectory("oncrpc-hosting-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Tls_is_bound_from_pem_files_and_enforced_per_program()
    {
        TlsCertificates certs = TlsCertificates.Shared;
        (string cert, string key) = TlsCertificates.WritePem(certs.Server, _directory, "server");
        string ca = Path.Combine(_directory, "ca.crt");
        File.WriteAllText(ca, certs.Ca.ExportCertificatePem());
        var settings = new Dictionary<string, string?>(TestHost.LoopbackTcp)
        {
            ["OncRpc:Server:Tls:CertificatePath"] = cert,
            ["OncRpc:Server:Tls:KeyPath"] = key,
            ["OncRpc:Server:Tls:ClientCaPath"] = ca,
            ["OncRpc:Server:Tls:RequireClientCertificate"] = "true",
            ["OncRpc:Server:Tls:ProgramPolicies:" + Program] = "Required",
        };
        RpcServerOptions? seen = null;
        HostApplicationBuilder builder = TestHost.Builder(settings);
        builder.Services.AddOncRpcServer().ConfigureServer(options => seen = options);
        using IHost host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(seen?.Tls);
        Assert.Equal(RpcTlsPolicy.Required, seen.Tls.PolicyFor(Program));
        Assert.True(seen.Tls.RequireClientCertificate);

        var probe = new RpcProcedureDescriptor(Program, 1, 0, "P", "NULL");
        var tls = new RpcClientTlsOptions { TargetHost = "localhost", ClientCertificate = certs.Client, ProbeProgram = Program, ProbeVersion = 1 };
        tls.TrustAnchors.Add(certs.Ca);
        await using (RpcClient client = await RpcClient.ConnectTcpAsync(TestHost.TcpEndPoint(host), new RpcClientOptions { Tls = tls }, TestContext.Current.CancellationToken))
        {
            // Past the auth stage over TLS: no such program is registered, so PROG_UNAVAIL.
            var error = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync<XdrVoid, XdrVoid>(probe, default, TestContext.Current.CancellationToken).AsTask());
            Assert.Equal(RpcStatus.ProgramUnavailable, error.Status);
        }
        await using (RpcClient plain = await TestHost.ConnectAsync(host))
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => plain.CallAsync<XdrVoid, XdrVoid>(probe, default, TestContext.Current.CancellationToken).AsTask());
            Assert.Equal(AuthStat.TooWeak, error.AuthStat);
        }
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
