using OncRpc.Testing;
using System.Net;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Server;

/// <summary>Server-side pluggable authentication flavors (RpcServerOptions.AuthFlavors): a handler
/// sees the credential and verifier bytes as sent, accepts (with a principal for the handler and a
/// reply verifier for the client) or refuses with an auth_stat.</summary>
public sealed class AuthFlavorTests
{
    private const AuthFlavor Token = (AuthFlavor)390_123;
    private static readonly RpcProcedureDescriptor s_whoAmI = new(0x2000_0200, 1, 1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Accepts a body of "ok:" + name, answering with a verifier "v:" + name.</summary>
    private sealed class TokenHandler : IRpcAuthFlavorHandler
    {
        public List<(AuthFlavor Flavor, byte[] Credential, AuthFlavor VerifierFlavor, byte[] Verifier, uint Procedure)> Seen { get; } = [];

        public RpcAuthFlavorResult Authenticate(in RpcAuthFlavorRequest request)
        {
            lock (Seen)
            {
                Seen.Add((request.Flavor, request.Credential.ToArray(), request.VerifierFlavor, request.Verifier.ToArray(), request.Procedure));
            }
            string text = System.Text.Encoding.ASCII.GetString(request.Credential);
            return text.StartsWith("ok:", StringComparison.Ordinal)
                ? RpcAuthFlavorResult.Accept("user " + text[3..], new OpaqueAuth(Token, System.Text.Encoding.ASCII.GetBytes("v:" + text[3..])))
                : RpcAuthFlavorResult.Reject(AuthStat.TooWeak);
        }
    }

    /// <summary>The client side of the token flavor: a credential body, a fixed verifier, and the
    /// reply verifiers it was shown.</summary>
    private sealed class TokenCredentials(string body) : RpcCredentials
    {
        public List<OpaqueAuth> ReplyVerifiers { get; } = [];

        public override AuthFlavor Flavor => Token;

        public override OpaqueAuth GetCredential() => new(Token, System.Text.Encoding.ASCII.GetBytes(body));

        public override OpaqueAuth GetVerifier(OpaqueAuth credential) => new(Token, new byte[] { 9, 9, 9, 9 });

        public override void OnReplyVerifier(OpaqueAuth credentialSent, OpaqueAuth verifier)
        {
            lock (ReplyVerifiers)
            {
                ReplyVerifiers.Add(verifier);
            }
        }
    }

    private static RpcDispatcher WhoAmI() => new RpcDispatcher().Register<XdrVoid, XdrString>(s_whoAmI,
        (_, context) => new ValueTask<XdrString>($"{context.Principal} {context.Credential.Flavor} {context.Credential.Body.Length}"));

    [Fact]
    public async Task A_registered_flavor_is_accepted_with_its_principal_and_reply_verifier()
    {
        var handler = new TokenHandler();
        var options = new RpcServerOptions();
        options.AuthFlavors.Add(Token, handler);
        var credentials = new TokenCredentials("ok:ada");
        await using RpcClient client = RpcClient.CreateInProcess(WhoAmI(), options, new RpcClientOptions { Credentials = credentials });

        XdrString answer = await client.CallAsync<XdrVoid, XdrString>(s_whoAmI, default, Ct);

        Assert.Equal("user ada 390123 6", answer.Value);
        var seen = Assert.Single(handler.Seen);
        Assert.Equal((Token, Token, 1u), (seen.Flavor, seen.VerifierFlavor, seen.Procedure));
        Assert.Equal("ok:ada"u8.ToArray(), seen.Credential);
        Assert.Equal(new byte[] { 9, 9, 9, 9 }, seen.Verifier);
        OpaqueAuth verifier = Assert.Single(credentials.ReplyVerifiers);
        Assert.Equal(new OpaqueAuth(Token, "v:ada"u8.ToArray()), verifier);
    }

    [Fact]
    public async Task A_refusal_is_AUTH_ERROR_with_the_handlers_status_and_the_procedure_never_runs()
    {
        var options = new RpcServerOptions();
        options.AuthFlavors.Add(Token, new TokenHandler());
        int ran = 0;
        var dispatcher = new RpcDispatcher().Register<XdrVoid, XdrVoid>(s_whoAmI, (_, _) => { ran++; return default; });
        await using RpcClient client = RpcClient.CreateInProcess(dispatcher, options, new RpcClientOptions { Credentials = new TokenCredentials("no") });

        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrVoid, XdrVoid>(s_whoAmI, default, Ct));

        Assert.Equal((RpcStatus.AuthError, AuthStat.TooWeak), (e.Status, e.AuthStat));
        Assert.Equal(0, ran);
    }

    [Fact]
    public async Task A_flavor_without_handler_stays_AUTH_BADCRED_and_built_in_flavors_are_untouched()
    {
        var options = new RpcServerOptions();
        options.AuthFlavors.Add((AuthFlavor)77, new TokenHandler());
        await using RpcClient tokenClient = RpcClient.CreateInProcess(WhoAmI(), options, new RpcClientOptions { Credentials = new TokenCredentials("ok:x") });
        var e = await Assert.ThrowsAsync<RpcException>(async () => await tokenClient.CallAsync<XdrVoid, XdrString>(s_whoAmI, default, Ct));
        Assert.Equal((RpcStatus.AuthError, AuthStat.BadCred), (e.Status, e.AuthStat)); // RFC 5531 §9

        await using RpcClient sysClient = RpcClient.CreateInProcess(WhoAmI(), options,
            new RpcClientOptions { Credentials = RpcCredentials.Sys(1, "box", 1000, 100, useShortHandles: false) });
        XdrString answer = await sysClient.CallAsync<XdrVoid, XdrString>(s_whoAmI, default, Ct);
        Assert.StartsWith(" Sys ", answer.Value, StringComparison.Ordinal); // no principal for AUTH_SYS
    }

    [Theory]
    [InlineData(AuthFlavor.None)]
    [InlineData(AuthFlavor.Sys)]
    [InlineData(AuthFlavor.Short)]
    public void Built_in_flavors_cannot_be_replaced(AuthFlavor flavor)
    {
        var options = new RpcServerOptions();
        options.AuthFlavors.Add(flavor, new TokenHandler());
        Assert.Throws<ArgumentException>(() => RpcClient.CreateInProcess(new RpcDispatcher(), options));
    }

    [Fact]
    public async Task The_auth_policy_still_decides_after_a_handler_accepts()
    {
        var options = new RpcServerOptions { AuthPolicy = new RefuseToken() };
        options.AuthFlavors.Add(Token, new TokenHandler());
        await using RpcClient client = RpcClient.CreateInProcess(WhoAmI(), options, new RpcClientOptions { Credentials = new TokenCredentials("ok:a") });
        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrVoid, XdrString>(s_whoAmI, default, Ct));
        Assert.Equal(AuthStat.RejectedCred, e.AuthStat);
    }

    private sealed class RefuseToken : AuthPolicy
    {
        public override AuthStat Authorize(in AuthRequest request) =>
            request.Credential.Flavor == Token && request.Credential.Body.Length == 4 ? AuthStat.RejectedCred : AuthStat.Ok;
    }

    [Fact]
    public async Task A_hand_built_credential_on_the_wire_reaches_the_handler_over_tcp()
    {
        var handler = new TokenHandler();
        var options = new RpcServerOptions();
        options.AuthFlavors.Add(Token, handler);
        await using var server = new RpcServer(options);
        server.Dispatcher.Register<XdrVoid, XdrString>(s_whoAmI, (_, context) => new ValueTask<XdrString>(context.Principal as string ?? "-"));
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(Ct);
        await using FakePeer peer = await FakePeer.ConnectAsync(server.EndPoints[0].EndPoint);

        byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(7, s_whoAmI.Program, 1, 1,
            credFlavor: (uint)Token, credBody: "ok:bob"u8.ToArray(), verfFlavor: 5, verfBody: [1, 2, 3]));

        byte[] expected = RpcBytes.Accepted(7, 0, new XdrBytes().String("user bob").ToArray(), (uint)Token, "v:bob"u8.ToArray());
        Assert.Equal(Hex.Of(expected), Hex.Of(reply));
        Assert.Equal((AuthFlavor)5, handler.Seen[0].VerifierFlavor);
        Assert.Equal(new byte[] { 1, 2, 3 }, handler.Seen[0].Verifier);

        reply = await peer.CallAsync(RpcBytes.CallMessage(8, s_whoAmI.Program, 1, 1, credFlavor: (uint)Token, credBody: "bad"u8.ToArray()));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(8, (uint)AuthStat.TooWeak)), Hex.Of(reply));
    }
}
