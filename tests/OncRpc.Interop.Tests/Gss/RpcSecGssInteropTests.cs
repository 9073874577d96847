using System.Buffers;
using System.Net;
using OncRpc.Auth;
using OncRpc.Auth.Gss;
using OncRpc.Client;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.Gss;

/// <summary>RPCSEC_GSS with Kerberos V5 against a real KDC and libtirpc's RPCSEC_GSS: the C client
/// (rpc_gss_seccreate) calls our server, our client calls the C server (svcauth_gss), and our
/// client calls our server, under krb5, krb5i and krb5p.</summary>
[Collection(KerberosCollection.Name)]
public sealed class RpcSecGssInteropTests(KerberosRealm realm)
{
    private const uint Program = 0x2000_0310;
    private static readonly RpcProcedureDescriptor s_echo = new(Program, 1, 1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private int _invocations;

    /// <summary>Our server with the C peer's ECHO: "principal|service|text".</summary>
    private async Task<(RpcServer Server, RpcSecGssServer Gss)> StartServerAsync()
    {
        var gss = new RpcSecGssServer();
        var options = new RpcServerOptions();
        options.AuthFlavors.Add(AuthFlavor.RpcSecGss, gss);
        var server = new RpcServer(options);
        server.Dispatcher
            .Register<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(Program, 1, 0), (_, _) => ValueTask.FromResult(default(XdrVoid)))
            .Register<XdrString, XdrString>(s_echo, (text, context) =>
            {
                Interlocked.Increment(ref _invocations);
                var principal = (RpcGssPrincipal)context.Principal!;
                return ValueTask.FromResult(new XdrString($"{principal.Name}|{(int)principal.Service}|{text.Value}"));
            });
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(Ct);
        return (server, gss);
    }

    private static int TcpPort(RpcServer server) => ((IPEndPoint)server.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint).Port;

    [Theory]
    [InlineData("none", 1)]
    [InlineData("integrity", 2)]
    [InlineData("privacy", 3)]
    public async Task The_C_client_calls_our_server(string service, int number)
    {
        realm.Require();
        (RpcServer server, RpcSecGssServer gss) = await StartServerAsync();
        await using (server)
        {
            ProcessResult result = await ProcessRunner.RunAsync(realm.GssPeer,
                ["client", "127.0.0.1", TcpPort(server).ToString(System.Globalization.CultureInfo.InvariantCulture), KerberosRealm.ServicePrincipal,
                    service, "5", "3000"], TimeSpan.FromSeconds(60), cancellationToken: Ct);

            Assert.True(result.ExitCode == 0, $"{result.Command} exited {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}");
            Assert.Contains($"REPLY {KerberosRealm.User}|{number}", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("OK 5", result.StandardOutput, StringComparison.Ordinal);
            Assert.Equal(5, _invocations);
            Assert.Equal(0, gss.ContextCount); // auth_destroy sent RPCSEC_GSS_DESTROY
        }
        gss.Dispose();
    }

    [Theory]
    [InlineData(RpcGssService.None)]
    [InlineData(RpcGssService.Integrity)]
    [InlineData(RpcGssService.Privacy)]
    public async Task Our_client_calls_the_C_server(RpcGssService service)
    {
        realm.Require();
        await using PeerProcess peer = await PeerProcess.StartAsync(realm.GssPeer, ["server", KerberosRealm.ServicePrincipal], cancellationToken: Ct);
        await using RpcClient client = await RpcClient.ConnectTcpAsync(peer.TcpEndPoint, new RpcClientOptions(), Ct);
        await using RpcSecGssCredentials gss = await RpcSecGssCredentials.CreateAsync(client, Program, 1, KerberosRealm.ServicePrincipal, service, Ct);
        var call = new RpcCallOptions(Credentials: gss);
        string large = new('x', 6000); // libtirpc's RPCSEC_GSS fails calls above about 8 KiB, even C to C

        XdrString reply = await client.CallAsync<XdrString, XdrString>(s_echo, new XdrString("hello"), call, Ct);
        XdrString blocking = client.Call<XdrString, XdrString>(s_echo, new XdrString("again"), call, Ct);
        XdrString big = await client.CallAsync<XdrString, XdrString>(s_echo, new XdrString(large), call, Ct);

        Assert.Equal($"{KerberosRealm.User}|{(int)service}|hello", reply.Value);
        Assert.Equal($"{KerberosRealm.User}|{(int)service}|again", blocking.Value);
        Assert.Equal($"{KerberosRealm.User}|{(int)service}|{large}", big.Value);
    }

    [Theory]
    [InlineData(RpcGssService.None)]
    [InlineData(RpcGssService.Integrity)]
    [InlineData(RpcGssService.Privacy)]
    public async Task Our_client_calls_our_server_with_64_calls_in_flight(RpcGssService service)
    {
        realm.Require();
        (RpcServer server, RpcSecGssServer gssServer) = await StartServerAsync();
        await using (server)
        {
            await using RpcClient client = await RpcClient.ConnectTcpAsync(
                new IPEndPoint(IPAddress.Loopback, TcpPort(server)), new RpcClientOptions(), Ct);
            RpcSecGssCredentials gss = await RpcSecGssCredentials.CreateAsync(client, Program, 1, KerberosRealm.ServicePrincipal, service, Ct);
            var call = new RpcCallOptions(Credentials: gss);

            XdrString[] replies = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
                client.CallAsync<XdrString, XdrString>(s_echo, new XdrString($"n{i}"), call, Ct).AsTask()));

            Assert.Equal(Enumerable.Range(0, 64).Select(i => $"{KerberosRealm.User}|{(int)service}|n{i}"), replies.Select(r => r.Value));
            Assert.Equal(1, gssServer.ContextCount);
            await gss.DisposeAsync();
            Assert.Equal(0, gssServer.ContextCount);
        }
        gssServer.Dispose();
    }

    [Theory]
    [InlineData(RpcGssService.Integrity)]
    [InlineData(RpcGssService.Privacy)]
    public async Task Real_kerberos_tampered_arguments_and_a_replay_are_refused_and_never_executed(RpcGssService service)
    {
        realm.Require();
        (RpcServer server, RpcSecGssServer gssServer) = await StartServerAsync();
        await using (server)
        {
            await using RpcClient client = await RpcClient.ConnectTcpAsync(
                new IPEndPoint(IPAddress.Loopback, TcpPort(server)), new RpcClientOptions { Timeout = TimeSpan.FromMilliseconds(500) }, Ct);
            await using RpcSecGssCredentials gss = await RpcSecGssCredentials.CreateAsync(client, Program, 1, KerberosRealm.ServicePrincipal, service, Ct);

            var tampered = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync<XdrString, XdrString>(
                s_echo, new XdrString("secret"), new RpcCallOptions(Credentials: new Altered(gss, tamper: true)), Ct).AsTask());
            Assert.Equal(RpcStatus.GarbageArguments, tampered.Status);
            Assert.Equal(0, _invocations);

            var replaying = new Altered(gss, tamper: false);
            await client.CallAsync<XdrString, XdrString>(s_echo, new XdrString("once"), new RpcCallOptions(Credentials: replaying), Ct);
            var replayed = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync<XdrString, XdrString>(
                s_echo, new XdrString("twice"), new RpcCallOptions(Credentials: replaying), Ct).AsTask());
            Assert.Equal(RpcStatus.TimedOut, replayed.Status); // dropped without a reply (RFC 2203 §5.3.3.1)
            Assert.Equal(1, _invocations);
        }
        gssServer.Dispose();
    }

    [Fact]
    public async Task Real_kerberos_privacy_hides_the_arguments_and_integrity_only_signs_them()
    {
        realm.Require();
        (RpcServer server, RpcSecGssServer gssServer) = await StartServerAsync();
        await using (server)
        {
            await using RpcClient client = await RpcClient.ConnectTcpAsync(
                new IPEndPoint(IPAddress.Loopback, TcpPort(server)), new RpcClientOptions(), Ct);
            await using RpcSecGssCredentials privacy = await RpcSecGssCredentials.CreateAsync(
                client, Program, 1, KerberosRealm.ServicePrincipal, RpcGssService.Privacy, Ct);
            await using RpcSecGssCredentials integrity = await RpcSecGssCredentials.CreateAsync(
                client, Program, 1, KerberosRealm.ServicePrincipal, RpcGssService.Integrity, Ct);
            byte[] secret = System.Text.Encoding.ASCII.GetBytes("the-launch-code-is-0000");

            // What goes on the wire as the arguments (CallEncoder writes exactly this).
            var sealedArguments = new ArrayBufferWriter<byte>();
            privacy.ProtectArguments(privacy.GetCredential(), secret, sealedArguments);
            var signedArguments = new ArrayBufferWriter<byte>();
            integrity.ProtectArguments(integrity.GetCredential(), secret, signedArguments);

            Assert.Equal(-1, sealedArguments.WrittenSpan.IndexOf(secret));
            Assert.True(signedArguments.WrittenSpan.IndexOf(secret) > 0);
        }
        gssServer.Dispose();
    }

    /// <summary>Real credentials, altered: one bit of the protected arguments flipped, or every
    /// call sent with the first call's credential (one sequence number, as a replay).</summary>
    private sealed class Altered(RpcSecGssCredentials inner, bool tamper) : RpcCredentials
    {
        private OpaqueAuth? _first;

        public override AuthFlavor Flavor => inner.Flavor;

        public override bool ProtectsMessages => inner.ProtectsMessages;

        public override OpaqueAuth GetCredential() => tamper ? inner.GetCredential() : _first ??= inner.GetCredential();

        public override OpaqueAuth GetVerifier(OpaqueAuth credential, ReadOnlySpan<byte> callHeader) => inner.GetVerifier(credential, callHeader);

        public override void ProtectArguments(OpaqueAuth credential, ReadOnlySpan<byte> arguments, IBufferWriter<byte> output)
        {
            var buffer = new ArrayBufferWriter<byte>();
            inner.ProtectArguments(credential, arguments, buffer);
            byte[] wire = buffer.WrittenSpan.ToArray();
            if (tamper)
            {
                wire[^5] ^= 0x01; // the checksum's or the ciphertext's last bytes
            }
            output.Write(wire);
        }

        public override void UnprotectResults(OpaqueAuth credentialSent, ReadOnlySpan<byte> results, IBufferWriter<byte> output) =>
            inner.UnprotectResults(credentialSent, results, output);

        public override void OnReplyVerifier(OpaqueAuth credentialSent, OpaqueAuth verifier) => inner.OnReplyVerifier(credentialSent, verifier);
    }
}
