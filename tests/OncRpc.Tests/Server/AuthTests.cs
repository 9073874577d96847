using System.Net;
using OncRpc.Auth;
using OncRpc.Auth.Internal;
using OncRpc.Server;
using OncRpc.Testing;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Server.ServerHarness;

namespace OncRpc.Tests.Server;

public sealed class AuthTests
{
    private static readonly byte[] s_sys = RpcBytes.AuthSysBody(77, "box", 1000, 100, 4, 24);

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public async Task Auth_sys_identity_reaches_the_handler(RpcTransportKind transport)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using FakePeer peer = await harness.ConnectAsync(transport);
        byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(1, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthSys, credBody: s_sys));
        Assert.Equal(Hex.Of(RpcBytes.Success(1, XdrBytes.Words(1000))), Hex.Of(reply));
        reply = await peer.CallAsync(RpcBytes.CallMessage(2, Program, 1, IdentityProc));
        Assert.Equal(Hex.Of(RpcBytes.Success(2, XdrBytes.Words(0xFFFF_FFFF))), Hex.Of(reply));
    }

    [Fact]
    public async Task Malformed_auth_sys_body_is_AUTH_BADCRED()
    {
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        // Machine name length 1000 > 255.
        byte[] bad = XdrBytes.Words(1, 1000, 0, 0, 0);
        byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(3, Program, 1, 0, credFlavor: RpcBytes.AuthSys, credBody: bad));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(3, 1)), Hex.Of(reply));
        // Trailing bytes inside the credential body.
        reply = await peer.CallAsync(RpcBytes.CallMessage(4, Program, 1, 0, credFlavor: RpcBytes.AuthSys, credBody: [.. s_sys, 0, 0, 0, 0]));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(4, 1)), Hex.Of(reply));
    }

    [Theory]
    [InlineData(3u)]  // AUTH_DH
    [InlineData(6u)]  // RPCSEC_GSS
    [InlineData(390u)]
    public async Task Unsupported_flavors_are_AUTH_BADCRED(uint flavor)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(5, Program, 1, 0, credFlavor: flavor, credBody: [1, 2, 3, 4]));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(5, 1)), Hex.Of(reply));
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public async Task Auth_short_is_handed_out_used_and_rejected_when_unknown(RpcTransportKind transport)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { EnableAuthShort = true });
        await using FakePeer peer = await harness.ConnectAsync(transport);

        // 1. AUTH_SYS call: the reply's verifier is AUTH_SHORT with an 8-byte handle.
        byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(1, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthSys, credBody: s_sys));
        Assert.Equal(XdrBytes.Words(1, 1, 0, RpcBytes.AuthShort, 8), reply[..20]);
        byte[] handle = reply[20..28];
        Assert.Equal(Hex.Of(RpcBytes.Accepted(1, 0, XdrBytes.Words(1000), RpcBytes.AuthShort, handle)), Hex.Of(reply));

        // 2. The same identity again gets the same handle.
        reply = await peer.CallAsync(RpcBytes.CallMessage(2, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthSys, credBody: s_sys));
        Assert.Equal(handle, reply[20..28]);

        // 3. AUTH_SHORT credentials with the handle: treated as the identity; AUTH_NONE verifier back.
        reply = await peer.CallAsync(RpcBytes.CallMessage(3, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthShort, credBody: handle));
        Assert.Equal(Hex.Of(RpcBytes.Success(3, XdrBytes.Words(1000))), Hex.Of(reply));

        // 4. An unknown handle: AUTH_REJECTEDCRED, so the client resends full credentials.
        byte[] unknown = [.. handle];
        unknown[7] ^= 0xFF;
        reply = await peer.CallAsync(RpcBytes.CallMessage(4, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthShort, credBody: unknown));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(4, 2)), Hex.Of(reply));
        reply = await peer.CallAsync(RpcBytes.CallMessage(5, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthShort, credBody: [1, 2, 3]));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(5, 2)), Hex.Of(reply));
    }

    [Fact]
    public async Task Auth_short_when_disabled_is_AUTH_REJECTEDCRED_and_auth_sys_gets_a_none_verifier()
    {
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);
        byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(1, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthSys, credBody: s_sys));
        Assert.Equal(Hex.Of(RpcBytes.Success(1, XdrBytes.Words(1000))), Hex.Of(reply));
        reply = await peer.CallAsync(RpcBytes.CallMessage(2, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthShort, credBody: new byte[8]));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(2, 2)), Hex.Of(reply));
    }

    [Fact]
    public async Task Allow_list_policy_admits_listed_identities_and_denies_others_with_TOOWEAK()
    {
        var policy = new AllowListAuthPolicy(uids: [1000], gids: [24], machineNames: ["box"]);
        await using ServerHarness harness = await ServerHarness.StartAsync(new RpcServerOptions { AuthPolicy = policy, EnableAuthShort = true });
        await using FakePeer peer = await harness.ConnectAsync(RpcTransportKind.Tcp);

        byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(1, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthSys, credBody: s_sys));
        Assert.Equal(RpcBytes.Success(1, XdrBytes.Words(1000))[0..12], reply[0..12]);
        byte[] wrongUid = RpcBytes.AuthSysBody(1, "box", 0, 24);
        reply = await peer.CallAsync(RpcBytes.CallMessage(2, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthSys, credBody: wrongUid));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(2, 5)), Hex.Of(reply));
        byte[] wrongMachine = RpcBytes.AuthSysBody(1, "evil", 1000, 24);
        reply = await peer.CallAsync(RpcBytes.CallMessage(3, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthSys, credBody: wrongMachine));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(3, 5)), Hex.Of(reply));
        byte[] noGroup = RpcBytes.AuthSysBody(1, "box", 1000, 5, 6, 7);
        reply = await peer.CallAsync(RpcBytes.CallMessage(4, Program, 1, IdentityProc, credFlavor: RpcBytes.AuthSys, credBody: noGroup));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(4, 5)), Hex.Of(reply));
        // AUTH_NONE is too weak, except for the NULL procedure.
        reply = await peer.CallAsync(RpcBytes.CallMessage(5, Program, 1, IdentityProc));
        Assert.Equal(Hex.Of(RpcBytes.AuthError(5, 5)), Hex.Of(reply));
        reply = await peer.CallAsync(RpcBytes.CallMessage(6, Program, 1, 0));
        Assert.Equal(Hex.Of(RpcBytes.Success(6)), Hex.Of(reply));
    }

    [Fact]
    public void Allow_list_policy_unit()
    {
        var sys = new AuthSysParameters(1, "m", 5, 6, [7]);
        AuthRequest Request(AuthSysParameters? identity, AuthFlavor flavor = AuthFlavor.Sys) =>
            new(1, 1, 1, new OpaqueAuth(flavor, default), identity, RpcTransportKind.Tcp, new IPEndPoint(IPAddress.Loopback, 1));
        Assert.Equal(AuthStat.Ok, new AllowListAuthPolicy().Authorize(Request(sys)));
        Assert.Equal(AuthStat.Ok, new AllowListAuthPolicy(gids: [7]).Authorize(Request(sys)));
        Assert.Equal(AuthStat.BadCred, new AllowListAuthPolicy(uids: [1]) { DenyStatus = AuthStat.BadCred }.Authorize(Request(sys)));
        Assert.Equal(AuthStat.TooWeak, new AllowListAuthPolicy().Authorize(Request(null, AuthFlavor.None)));
        Assert.Equal(AuthStat.Ok, new AllowListAuthPolicy { AllowAuthNone = true }.Authorize(Request(null, AuthFlavor.None)));
    }

    [Fact]
    public void Short_handle_cache_is_a_bounded_lru()
    {
        var cache = new ShortHandleCache(2);
        var a = new AuthSysParameters(1, "a", 1, 1, []);
        var b = new AuthSysParameters(1, "b", 2, 2, []);
        var c = new AuthSysParameters(1, "c", 3, 3, []);
        OpaqueAuth ha = cache.GetOrAddVerifier(a);
        Assert.Equal(AuthFlavor.Short, ha.Flavor);
        Assert.Equal(8, ha.Body.Length);
        OpaqueAuth hb = cache.GetOrAddVerifier(b);
        Assert.Equal(a, cache.TryResolve(ha.Body.Span)); // a is now the most recent
        cache.GetOrAddVerifier(c);                         // evicts b
        Assert.Equal(2, cache.Count);
        Assert.Null(cache.TryResolve(hb.Body.Span));
        Assert.Equal(a, cache.TryResolve(ha.Body.Span));
        Assert.True(ha.Body.Span.SequenceEqual(cache.GetOrAddVerifier(a).Body.Span));
        for (uint i = 0; i < 1000; i++)
        {
            cache.GetOrAddVerifier(new AuthSysParameters(i, "x", i, i, []));
        }
        Assert.Equal(2, cache.Count);
    }
}
