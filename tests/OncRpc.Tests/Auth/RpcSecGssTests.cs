using System.Buffers;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using OncRpc.Auth;
using OncRpc.Auth.Gss;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Auth;

/// <summary>RPCSEC_GSS (RFC 2203) between our client and our server over real sockets, with a
/// stand-in GSS mechanism (<see cref="FakeGssMechanism"/>); the Kerberos runs against a real KDC
/// and libtirpc are in the interop tests. Every refusal asserts that no procedure ran.</summary>
public sealed class RpcSecGssTests : IAsyncLifetime
{
    private const uint Program = 0x2000_0300;
    private static readonly RpcProcedureDescriptor s_null = new(Program, 1, 0);
    private static readonly RpcProcedureDescriptor s_echo = new(Program, 1, 1);
    private static readonly RpcProcedureDescriptor s_whoAmI = new(Program, 1, 2);

    private readonly FakeGssMechanism _mechanism = new();
    private readonly FakeTimeProvider _time = new();
    private RpcSecGssServer _gss = null!;
    private RpcServer _server = null!;
    private int _invocations;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RpcSecGssServerOptions GssOptions { get; } = new() { IdleTimeout = TimeSpan.FromMinutes(5) };

    public async ValueTask InitializeAsync() => await StartAsync();

    private async Task StartAsync()
    {
        GssOptions.TimeProvider = _time;
        _gss = new RpcSecGssServer(GssOptions, _mechanism);
        var options = new RpcServerOptions();
        options.AuthFlavors.Add(AuthFlavor.RpcSecGss, _gss);
        _server = new RpcServer(options);
        _server.Dispatcher
            .Register<XdrVoid, XdrVoid>(s_null, (_, _) =>
            {
                Interlocked.Increment(ref _invocations);
                return ValueTask.FromResult(default(XdrVoid));
            })
            .Register<XdrOpaque, XdrOpaque>(s_echo, (data, _) =>
            {
                Interlocked.Increment(ref _invocations);
                return ValueTask.FromResult(data);
            })
            .Register<XdrVoid, XdrString>(s_whoAmI, (_, context) =>
            {
                Interlocked.Increment(ref _invocations);
                var principal = (RpcGssPrincipal)context.Principal!;
                return ValueTask.FromResult(new XdrString($"{principal.Name} {principal.Service}"));
            });
        _server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await _server.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _gss.Dispose();
    }

    private IPEndPoint EndPointOf(RpcTransportKind kind) => (IPEndPoint)_server.EndPoints.First(e => e.Transport == kind).EndPoint;

    private async Task<RpcClient> ConnectAsync(string transport = "tcp", TimeSpan? timeout = null)
    {
        var options = new RpcClientOptions { Timeout = timeout ?? TimeSpan.FromSeconds(10) };
        return transport == "udp"
            ? RpcClient.CreateUdp(EndPointOf(RpcTransportKind.Udp), options)
            : await RpcClient.ConnectTcpAsync(EndPointOf(RpcTransportKind.Tcp), options, Ct);
    }

    private Task<RpcSecGssCredentials> CreateAsync(RpcClient client, RpcGssService service) =>
        RpcSecGssCredentials.CreateWithAsync(client, Program, 1, "nfs@localhost", service, _mechanism, Ct);

    [Theory]
    [InlineData("tcp", RpcGssService.None)]
    [InlineData("tcp", RpcGssService.Integrity)]
    [InlineData("tcp", RpcGssService.Privacy)]
    [InlineData("udp", RpcGssService.Integrity)]
    [InlineData("udp", RpcGssService.Privacy)]
    public async Task Calls_carry_the_principal_and_round_trip_under_each_service(string transport, RpcGssService service)
    {
        await using RpcClient client = await ConnectAsync(transport);
        await using RpcSecGssCredentials gss = await CreateAsync(client, service);
        var call = new RpcCallOptions(Credentials: gss);

        XdrString who = await client.CallAsync<XdrVoid, XdrString>(s_whoAmI, default, call, Ct);
        byte[] payload = [.. Enumerable.Range(0, 1001).Select(i => (byte)i)];
        XdrOpaque echoed = await client.CallAsync<XdrOpaque, XdrOpaque>(s_echo, new XdrOpaque(payload), call, Ct);
        XdrOpaque blocking = client.Call<XdrOpaque, XdrOpaque>(s_echo, new XdrOpaque(payload[..7]), call, Ct);

        Assert.Equal($"alice@TEST.REALM {service}", who.Value);
        Assert.Equal(payload, echoed.Value.ToArray());
        Assert.Equal(payload[..7], blocking.Value.ToArray());
        Assert.Equal(3, _invocations);
        Assert.Equal(1, _gss.ContextCount);
    }

    [Fact]
    public async Task Sixty_four_calls_in_flight_share_one_context()
    {
        await using RpcClient client = await ConnectAsync();
        await using RpcSecGssCredentials gss = await CreateAsync(client, RpcGssService.Privacy);
        var call = new RpcCallOptions(Credentials: gss);

        XdrOpaque[] results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            client.CallAsync<XdrOpaque, XdrOpaque>(s_echo, new XdrOpaque(new byte[] { (byte)i, 1, 2 }), call, Ct).AsTask()));

        Assert.Equal(Enumerable.Range(0, 64).Select(i => (byte)i), results.Select(r => r.Value.Span[0]));
        Assert.Equal(64, _invocations);
    }

    [Fact]
    public async Task Disposing_destroys_the_context_and_a_destroyed_context_is_refused_with_credproblem()
    {
        await using RpcClient client = await ConnectAsync();
        RpcSecGssCredentials gss = await CreateAsync(client, RpcGssService.None);
        await client.CallAsync<XdrVoid, XdrVoid>(s_null, default, new RpcCallOptions(Credentials: gss), Ct);
        // A call on the context, signed while it was alive, sent after it is gone.
        OpaqueAuth credential = gss.GetCredential();
        var stale = new FixedCredentials(credential, gss.GetVerifier(credential, new byte[8]));
        Assert.Equal(1, _gss.ContextCount);

        await gss.DisposeAsync();
        Assert.Equal(0, _gss.ContextCount);
        int before = _invocations;

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.CallAsync<XdrVoid, XdrVoid>(s_null, default, new RpcCallOptions(Credentials: stale), Ct).AsTask());
        Assert.Equal((RpcStatus.AuthError, AuthStat.RpcSecGssCredProblem), (error.Status, error.AuthStat));
        Assert.Equal(before, _invocations);
        // The disposed credentials refuse to sign anything more.
        Assert.Throws<ObjectDisposedException>(() => gss.GetVerifier(credential, new byte[8]));
    }

    [Fact]
    public async Task An_expired_context_is_refused_with_ctxproblem_and_renegotiated_once()
    {
        await using RpcClient client = await ConnectAsync();
        await using RpcSecGssCredentials gss = await CreateAsync(client, RpcGssService.Integrity);
        var call = new RpcCallOptions(Credentials: gss);
        await client.CallAsync<XdrVoid, XdrVoid>(s_null, default, call, Ct);

        _time.Advance(TimeSpan.FromMinutes(6));
        XdrString who = await client.CallAsync<XdrVoid, XdrString>(s_whoAmI, default, call, Ct);
        XdrString again = client.Call<XdrVoid, XdrString>(s_whoAmI, default, call, Ct);

        Assert.Equal("alice@TEST.REALM Integrity", who.Value);
        Assert.Equal(who, again);
        Assert.Equal(2, gss.Negotiations);
        Assert.Equal(1, _gss.ContextCount);
        Assert.Equal(3, _invocations);
    }

    [Fact]
    public async Task An_unknown_context_is_refused_with_credproblem_and_renegotiated()
    {
        await using RpcClient client = await ConnectAsync();
        await using RpcSecGssCredentials gss = await CreateAsync(client, RpcGssService.None);
        _gss.Dispose(); // the server forgets every context (as after a restart)

        XdrString who = await client.CallAsync<XdrVoid, XdrString>(s_whoAmI, default, new RpcCallOptions(Credentials: gss), Ct);

        Assert.Equal("alice@TEST.REALM None", who.Value);
        Assert.Equal(2, gss.Negotiations);
        Assert.Equal(1, _invocations);
    }

    [Fact]
    public async Task A_replayed_sequence_number_is_discarded_without_reply_or_execution()
    {
        await using RpcClient client = await ConnectAsync("udp", TimeSpan.FromMilliseconds(400));
        await using RpcSecGssCredentials gss = await CreateAsync(client, RpcGssService.Integrity);
        var replaying = new ReplayingCredentials(gss);
        await client.CallAsync<XdrVoid, XdrVoid>(s_null, default, new RpcCallOptions(Credentials: replaying), Ct);
        Assert.Equal(1, _invocations);

        // The same sequence number again, on a new xid: RFC 2203 §5.3.3.1 says drop it silently.
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.CallAsync<XdrVoid, XdrVoid>(s_null, default, new RpcCallOptions(Credentials: replaying), Ct).AsTask());
        Assert.Equal(RpcStatus.TimedOut, error.Status);

        Assert.Equal(1, _invocations);
    }

    [Theory]
    [InlineData(RpcGssService.Integrity)]
    [InlineData(RpcGssService.Privacy)]
    public async Task Tampered_arguments_are_garbage_args_and_never_reach_the_procedure(RpcGssService service)
    {
        await using RpcClient client = await ConnectAsync();
        await using RpcSecGssCredentials gss = await CreateAsync(client, service);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync<XdrOpaque, XdrOpaque>(
            s_echo, new XdrOpaque(new byte[40]), new RpcCallOptions(Credentials: new TamperingCredentials(gss, arguments: true)), Ct).AsTask());

        Assert.Equal(RpcStatus.GarbageArguments, error.Status);
        Assert.Equal(0, _invocations);
    }

    [Fact]
    public async Task A_tampered_header_checksum_is_credproblem_and_never_reaches_the_procedure()
    {
        await using RpcClient client = await ConnectAsync();
        await using RpcSecGssCredentials gss = await CreateAsync(client, RpcGssService.None);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync<XdrVoid, XdrVoid>(
            s_null, default, new RpcCallOptions(Credentials: new TamperingCredentials(gss, arguments: false)), Ct).AsTask());

        Assert.Equal((RpcStatus.AuthError, AuthStat.RpcSecGssCredProblem), (error.Status, error.AuthStat));
        Assert.Equal(0, _invocations);
    }

    [Fact]
    public async Task A_service_weaker_than_required_is_too_weak()
    {
        await _server.DisposeAsync();
        GssOptions.MinimumService = RpcGssService.Integrity;
        await StartAsync();
        await using RpcClient client = await ConnectAsync();
        await using RpcSecGssCredentials weak = await CreateAsync(client, RpcGssService.None);
        await using RpcSecGssCredentials strong = await CreateAsync(client, RpcGssService.Privacy);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            client.CallAsync<XdrVoid, XdrVoid>(s_null, default, new RpcCallOptions(Credentials: weak), Ct).AsTask());
        Assert.Equal((RpcStatus.AuthError, AuthStat.TooWeak), (error.Status, error.AuthStat));
        Assert.Equal(0, _invocations);
        await client.CallAsync<XdrVoid, XdrVoid>(s_null, default, new RpcCallOptions(Credentials: strong), Ct);
        Assert.Equal(1, _invocations);
    }

    [Fact]
    public async Task A_client_past_its_context_limit_is_refused_and_a_full_table_evicts_the_least_recently_used()
    {
        await _server.DisposeAsync();
        GssOptions.MaxContextsPerClient = 2;
        GssOptions.MaxContexts = 2;
        await StartAsync();
        await using RpcClient client = await ConnectAsync();
        await using RpcSecGssCredentials first = await CreateAsync(client, RpcGssService.None);
        await using RpcSecGssCredentials second = await CreateAsync(client, RpcGssService.None);

        var error = await Assert.ThrowsAsync<RpcException>(() => CreateAsync(client, RpcGssService.None));
        Assert.Equal(AuthStat.RpcSecGssCredProblem, error.AuthStat);
        Assert.Equal(2, _gss.ContextCount);

        // Another server with room for two contexts in all, but more per client: the third evicts the oldest.
        await _server.DisposeAsync();
        GssOptions.MaxContextsPerClient = 10;
        await StartAsync();
        await using RpcClient other = await ConnectAsync();
        await using RpcSecGssCredentials a = await CreateAsync(other, RpcGssService.None);
        _time.Advance(TimeSpan.FromSeconds(1));
        await using RpcSecGssCredentials b = await CreateAsync(other, RpcGssService.None);
        _time.Advance(TimeSpan.FromSeconds(1));
        await using RpcSecGssCredentials c = await CreateAsync(other, RpcGssService.None);
        Assert.Equal(2, _gss.ContextCount);
        await other.CallAsync<XdrVoid, XdrVoid>(s_null, default, new RpcCallOptions(Credentials: a), Ct);
        Assert.Equal(2, a.Negotiations);
    }

    [Fact]
    public async Task A_reply_with_a_forged_verifier_is_refused_by_the_client()
    {
        await using RpcClient client = await ConnectAsync();
        await using RpcSecGssCredentials gss = await CreateAsync(client, RpcGssService.None);
        OpaqueAuth credential = gss.GetCredential();

        var error = Assert.Throws<RpcException>(() => gss.OnReplyVerifier(credential, new OpaqueAuth(AuthFlavor.RpcSecGss, new byte[16])));
        Assert.Equal(AuthStat.InvalidResp, error.AuthStat);
        Assert.Throws<RpcException>(() => gss.OnReplyVerifier(credential, OpaqueAuth.None));
    }

    [Fact]
    public async Task Malformed_credentials_wrong_verifier_flavors_and_exhausted_sequence_numbers_are_refused_before_anything_runs()
    {
        await using RpcClient client = await ConnectAsync();
        await using RpcSecGssCredentials gss = await CreateAsync(client, RpcGssService.None);
        byte[] good = gss.GetCredential().Body.ToArray();
        var mic = new OpaqueAuth(AuthFlavor.RpcSecGss, new byte[16]);

        AuthStat Authenticate(byte[] credential, OpaqueAuth verifier) => _gss.Authenticate(new RpcAuthFlavorRequest(
            AuthFlavor.RpcSecGss, credential, verifier.Flavor, verifier.Body.Span, Program, 1, 1, RpcTransportKind.Tcp,
            new IPEndPoint(IPAddress.Loopback, 1), callHeader: new byte[40], arguments: default)).Status;

        byte[] version2 = [.. good];
        version2[3] = 2; // rpc_gss_cred_t version 2 (RFC 5403) is not spoken here
        byte[] truncated = good[..18];
        byte[] badService = [.. good];
        badService[15] = 9;
        byte[] maxSeq = [.. good];
        maxSeq[8] = 0x80; // seq_num 2^31 + ...: RFC 2203 §5.3.3.1 MAXSEQ
        byte[] lyingLength = [.. good];
        lyingLength[19] = 200; // a handle longer than the credential

        Assert.Equal(AuthStat.BadCred, Authenticate(version2, mic));
        Assert.Equal(AuthStat.BadCred, Authenticate(truncated, mic));
        Assert.Equal(AuthStat.BadCred, Authenticate(badService, mic));
        Assert.Equal(AuthStat.BadCred, Authenticate(lyingLength, mic));
        Assert.Equal(AuthStat.RpcSecGssCtxProblem, Authenticate(maxSeq, mic));
        Assert.Equal(AuthStat.BadVerf, Authenticate(good, OpaqueAuth.None));
        Assert.Equal(AuthStat.RpcSecGssCredProblem, Authenticate(good, mic)); // a checksum that does not verify
        Assert.Equal(0, _invocations);
        Assert.Equal(1, _gss.ContextCount);
    }

    /// <summary>A fixed credential and verifier.</summary>
    private sealed class FixedCredentials(OpaqueAuth credential, OpaqueAuth verifier) : RpcCredentials
    {
        public override AuthFlavor Flavor => credential.Flavor;

        public override OpaqueAuth GetCredential() => credential;

        public override OpaqueAuth GetVerifier(OpaqueAuth credential) => verifier;
    }

    /// <summary>Sends every call with the same credential (one sequence number), as a replaying attacker would.</summary>
    private sealed class ReplayingCredentials(RpcSecGssCredentials inner) : RpcCredentials
    {
        private OpaqueAuth? _fixed;

        public override AuthFlavor Flavor => inner.Flavor;

        public override bool ProtectsMessages => inner.ProtectsMessages;

        public override OpaqueAuth GetCredential() => _fixed ??= inner.GetCredential();

        public override OpaqueAuth GetVerifier(OpaqueAuth credential, ReadOnlySpan<byte> callHeader) => inner.GetVerifier(credential, callHeader);

        public override void ProtectArguments(OpaqueAuth credential, ReadOnlySpan<byte> arguments, IBufferWriter<byte> output) =>
            inner.ProtectArguments(credential, arguments, output);

        public override void UnprotectResults(OpaqueAuth credentialSent, ReadOnlySpan<byte> results, IBufferWriter<byte> output) =>
            inner.UnprotectResults(credentialSent, results, output);

        public override void OnReplyVerifier(OpaqueAuth credentialSent, OpaqueAuth verifier) => inner.OnReplyVerifier(credentialSent, verifier);
    }

    /// <summary>Flips one bit of the protected arguments, or of the header's checksum.</summary>
    private sealed class TamperingCredentials(RpcSecGssCredentials inner, bool arguments) : RpcCredentials
    {
        public override AuthFlavor Flavor => inner.Flavor;

        public override bool ProtectsMessages => inner.ProtectsMessages;

        public override OpaqueAuth GetCredential() => inner.GetCredential();

        public override OpaqueAuth GetVerifier(OpaqueAuth credential, ReadOnlySpan<byte> callHeader)
        {
            OpaqueAuth verifier = inner.GetVerifier(credential, callHeader);
            if (arguments)
            {
                return verifier;
            }
            byte[] body = verifier.Body.ToArray();
            body[^1] ^= 1;
            return new OpaqueAuth(verifier.Flavor, body);
        }

        public override void ProtectArguments(OpaqueAuth credential, ReadOnlySpan<byte> plain, IBufferWriter<byte> output)
        {
            var buffer = new ArrayBufferWriter<byte>();
            inner.ProtectArguments(credential, plain, buffer);
            byte[] wire = buffer.WrittenSpan.ToArray();
            wire[12] ^= 0x80; // inside the data body: a sequence number or argument byte, or the ciphertext
            output.Write(wire);
        }

        public override void UnprotectResults(OpaqueAuth credentialSent, ReadOnlySpan<byte> results, IBufferWriter<byte> output) =>
            inner.UnprotectResults(credentialSent, results, output);

        public override void OnReplyVerifier(OpaqueAuth credentialSent, OpaqueAuth verifier) => inner.OnReplyVerifier(credentialSent, verifier);
    }
}
