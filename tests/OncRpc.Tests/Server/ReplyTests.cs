using OncRpc.Testing;
using OncRpc.Tests.Support;
using static OncRpc.Tests.Server.ServerHarness;

namespace OncRpc.Tests.Server;

/// <summary>Every accept and reject answer, byte for byte, over TCP, UDP and Unix sockets.</summary>
public sealed class ReplyTests
{
    private static byte[] Str(string s) => new XdrBytes().String(s).ToArray();

    private static async Task AssertReplyAsync(RpcTransportKind transport, byte[] call, byte[] expected)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using FakePeer peer = await harness.ConnectAsync(transport);
        byte[] reply = await peer.CallAsync(call);
        Assert.Equal(Hex.Of(expected), Hex.Of(reply));
        await harness.AssertStillServesAsync(transport);
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    [InlineData(RpcTransportKind.Local)]
    public Task Success_echoes_the_argument(RpcTransportKind transport) =>
        AssertReplyAsync(transport, RpcBytes.CallMessage(1, Program, 1, EchoProc, Str("hello")), RpcBytes.Success(1, Str("hello")));

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    [InlineData(RpcTransportKind.Local)]
    public Task Null_procedure_answers_void_without_registration(RpcTransportKind transport) =>
        AssertReplyAsync(transport, RpcBytes.CallMessage(2, Program, 3, 0), RpcBytes.Success(2));

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    [InlineData(RpcTransportKind.Local)]
    public Task Unknown_program_is_PROG_UNAVAIL(RpcTransportKind transport) =>
        AssertReplyAsync(transport, RpcBytes.CallMessage(3, 0x2000_9999, 1, 1), RpcBytes.ProgramUnavailable(3));

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    [InlineData(RpcTransportKind.Local)]
    public Task Unknown_version_is_PROG_MISMATCH_with_registered_range(RpcTransportKind transport) =>
        AssertReplyAsync(transport, RpcBytes.CallMessage(4, Program, 2, EchoProc, Str("x")), RpcBytes.ProgramMismatch(4, 1, 3));

    [Fact]
    public Task Version_above_range_is_PROG_MISMATCH_too() =>
        AssertReplyAsync(RpcTransportKind.Tcp, RpcBytes.CallMessage(40, Program, 9, 0), RpcBytes.ProgramMismatch(40, 1, 3));

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    [InlineData(RpcTransportKind.Local)]
    public Task Unknown_procedure_is_PROC_UNAVAIL(RpcTransportKind transport) =>
        AssertReplyAsync(transport, RpcBytes.CallMessage(5, Program, 3, ThrowProc), RpcBytes.ProcedureUnavailable(5));

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    [InlineData(RpcTransportKind.Local)]
    public Task Short_arguments_are_GARBAGE_ARGS(RpcTransportKind transport) =>
        AssertReplyAsync(transport, RpcBytes.CallMessage(6, Program, 1, EchoProc, XdrBytes.Words(5)), RpcBytes.GarbageArguments(6));

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public Task Trailing_argument_bytes_are_GARBAGE_ARGS(RpcTransportKind transport) =>
        AssertReplyAsync(transport, RpcBytes.CallMessage(7, Program, 1, EchoProc, [.. Str("ok"), 0, 0, 0, 9]), RpcBytes.GarbageArguments(7));

    [Fact]
    public Task Arguments_to_the_NULL_procedure_are_GARBAGE_ARGS() =>
        AssertReplyAsync(RpcTransportKind.Tcp, RpcBytes.CallMessage(8, Program, 1, 0, XdrBytes.Words(1)), RpcBytes.GarbageArguments(8));

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public async Task A_4GB_string_length_in_a_small_message_is_GARBAGE_ARGS(RpcTransportKind transport)
    {
        byte[] call = RpcBytes.CallMessage(9, Program, 1, EchoProc, [.. XdrBytes.Words(0xFFFF_FFFF), .. new byte[60]]);
        Assert.True(call.Length < 150);
        await AssertReplyAsync(transport, call, RpcBytes.GarbageArguments(9));
    }

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    [InlineData(RpcTransportKind.Local)]
    public Task Throwing_handler_is_SYSTEM_ERR(RpcTransportKind transport) =>
        AssertReplyAsync(transport, RpcBytes.CallMessage(10, Program, 1, ThrowProc), RpcBytes.SystemError(10));

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    [InlineData(RpcTransportKind.Local)]
    public Task Rpc_version_3_is_RPC_MISMATCH_2_2(RpcTransportKind transport) =>
        AssertReplyAsync(transport, RpcBytes.CallMessage(11, Program, 1, EchoProc, Str("x"), rpcVersion: 3), RpcBytes.RpcMismatch(11, 2, 2));

    [Fact]
    public Task Rpc_version_mismatch_is_answered_even_with_nothing_after_rpcvers() =>
        AssertReplyAsync(RpcTransportKind.Tcp, XdrBytes.Words(12, 0, 1), RpcBytes.RpcMismatch(12, 2, 2));

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public Task Credentials_over_400_bytes_are_AUTH_BADCRED(RpcTransportKind transport) =>
        AssertReplyAsync(transport, RpcBytes.CallMessage(13, Program, 1, 0, credFlavor: RpcBytes.AuthSys, credBody: new byte[404]),
            RpcBytes.AuthError(13, 1));

    [Fact]
    public Task Verifier_over_400_bytes_is_AUTH_BADCRED() =>
        AssertReplyAsync(RpcTransportKind.Tcp, RpcBytes.CallMessage(14, Program, 1, 0, verfFlavor: 0, verfBody: new byte[401]),
            RpcBytes.AuthError(14, 1));

    [Fact]
    public Task Credential_length_beyond_the_message_is_AUTH_BADCRED() =>
        AssertReplyAsync(RpcTransportKind.Tcp, XdrBytes.Words(15, 0, 2, Program, 1, 0, 1, 300, 1, 2),
            RpcBytes.AuthError(15, 1));

    [Theory]
    [InlineData(RpcTransportKind.Tcp)]
    [InlineData(RpcTransportKind.Udp)]
    public async Task Reply_messages_and_headerless_records_are_dropped(RpcTransportKind transport)
    {
        await using ServerHarness harness = await ServerHarness.StartAsync();
        await using FakePeer peer = await harness.ConnectAsync(transport);
        await peer.SendMessageAsync(RpcBytes.Success(16));                       // a REPLY
        await peer.SendMessageAsync([1, 2, 3]);                                  // no xid
        await peer.SendMessageAsync(XdrBytes.Words(17, 7));                      // undeclared msg_type
        await peer.SendMessageAsync(XdrBytes.Words(18, 0, 2, Program));         // truncated header
        // The same connection answers the next call, and that answer is the first thing it sends.
        byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(19, Program, 1, 0));
        Assert.Equal(Hex.Of(RpcBytes.Success(19)), Hex.Of(reply));
    }

    [Fact]
    public async Task Works_over_IPv6_loopback()
    {
        if (!System.Net.Sockets.Socket.OSSupportsIPv6)
        {
            Assert.Skip("no IPv6");
        }
        await using ServerHarness harness = await ServerHarness.StartAsync(ipv6: true);
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, harness.Tcp.AddressFamily);
        foreach (RpcTransportKind transport in new[] { RpcTransportKind.Tcp, RpcTransportKind.Udp })
        {
            await using FakePeer peer = await harness.ConnectAsync(transport);
            byte[] reply = await peer.CallAsync(RpcBytes.CallMessage(20, Program, 1, EchoProc, Str("v6")));
            Assert.Equal(Hex.Of(RpcBytes.Success(20, Str("v6"))), Hex.Of(reply));
        }
    }

    [Fact]
    public async Task Handler_RpcException_maps_to_its_protocol_answer()
    {
        await using var server = new OncRpc.Server.RpcServer();
        server.Dispatcher.Register<OncRpc.Xdr.XdrVoid, OncRpc.Xdr.XdrVoid>(new RpcProcedureDescriptor(0x2000_0001, 1, 1),
            static (_, _) => throw new RpcException(OncRpc.Auth.AuthStat.TooWeak, "no"));
        server.Dispatcher.Register<OncRpc.Xdr.XdrVoid, OncRpc.Xdr.XdrVoid>(new RpcProcedureDescriptor(0x2000_0001, 1, 2),
            static (_, _) => throw new RpcException(RpcStatus.GarbageArguments, "semantically bad"));
        server.ListenTcp(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        await server.StartAsync(TestContext.Current.CancellationToken);
        await using FakePeer peer = await FakePeer.ConnectAsync(server.EndPoints[0].EndPoint);
        Assert.Equal(Hex.Of(RpcBytes.AuthError(1, 5)), Hex.Of(await peer.CallAsync(RpcBytes.CallMessage(1, 0x2000_0001, 1, 1))));
        Assert.Equal(Hex.Of(RpcBytes.GarbageArguments(2)), Hex.Of(await peer.CallAsync(RpcBytes.CallMessage(2, 0x2000_0001, 1, 2))));
    }
}
