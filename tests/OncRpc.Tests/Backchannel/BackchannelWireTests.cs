using OncRpc.Testing;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Tests.Support;
using OncRpc.Xdr;
using static OncRpc.Tests.Backchannel.BackchannelTests;

namespace OncRpc.Tests.Backchannel;

/// <summary>Calls both ways with one end scripted byte by byte: each direction matches replies by
/// xid in its own table, so the same xid in flight both ways confuses neither.</summary>
public sealed class BackchannelWireTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static uint Xid(byte[] message) => BinaryPrimitives.ReadUInt32BigEndian(message);

    private static uint Word(byte[] message, int index) => BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(4 * index));

    private static uint LastWord(byte[] message) => BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(message.Length - 4));

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task The_server_keeps_the_xids_of_the_two_directions_apart(int eventLoopThreads)
    {
        await using var server = await TestServer.StartAsync(RpcTransportKind.Tcp, new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using FakePeer client = await FakePeer.ConnectAsync(server.TcpEndPoint);

        await client.SendMessageAsync(RpcBytes.CallMessage(100, ForeProgram, 1, CallBack.Procedure, XdrBytes.Words(5)));
        byte[] callback = await client.ReceiveMessageAsync();
        uint back = Xid(callback);
        Assert.Equal(RpcBytes.Call, Word(callback, 1));
        Assert.Equal([CallbackProgram, 1u, Twice.Procedure], new[] { Word(callback, 3), Word(callback, 4), Word(callback, 5) });
        Assert.Equal(5u, LastWord(callback));

        // A REPLY carrying our own call's xid answers nothing of the server's: dropped.
        await client.SendMessageAsync(RpcBytes.Success(100, XdrBytes.Words(999)));
        // A call of ours with the xid the server's callback uses: answered as a call.
        Assert.Equal(Hex.Of(RpcBytes.Success(back, XdrBytes.Words(42))),
            Hex.Of(await client.CallAsync(RpcBytes.CallMessage(back, ForeProgram, 1, Echo.Procedure, XdrBytes.Words(42)))));
        // The callback's reply, same xid again: it completes the server's call, and ours is answered.
        await client.SendMessageAsync(RpcBytes.Success(back, XdrBytes.Words(10)));
        Assert.Equal(Hex.Of(RpcBytes.Success(100, XdrBytes.Words(11))), Hex.Of(await client.ReceiveMessageAsync()));
    }

    [Fact]
    public async Task The_client_keeps_the_xids_of_the_two_directions_apart()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(listener.LocalEndPoint!, cancellationToken: Ct);
        await using FakePeer server = FakePeer.Accepted(await listener.AcceptAsync(Ct));
        client.Serve(new RpcDispatcher().Register<XdrInt, XdrInt>(Twice, (n, _) => ValueTask.FromResult(new XdrInt(2 * n.Value))));

        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(Echo, 7, Ct);
        byte[] received = await server.ReceiveMessageAsync();
        uint xid = Xid(received);

        // The server calls back with the very xid the client's call is waiting under.
        byte[] reply = await server.CallAsync(RpcBytes.CallMessage(xid, CallbackProgram, 1, Twice.Procedure, XdrBytes.Words(21)));
        Assert.Equal(Hex.Of(RpcBytes.Success(xid, XdrBytes.Words(42))), Hex.Of(reply));
        Assert.False(call.IsCompleted);
        // Unknown program, version and procedure on the client: the usual answers.
        Assert.Equal(Hex.Of(RpcBytes.ProgramUnavailable(xid + 1)),
            Hex.Of(await server.CallAsync(RpcBytes.CallMessage(xid + 1, 0x40000999, 1, 1))));
        Assert.Equal(Hex.Of(RpcBytes.ProgramMismatch(xid + 2, 1, 1)),
            Hex.Of(await server.CallAsync(RpcBytes.CallMessage(xid + 2, CallbackProgram, 7, 1))));
        Assert.Equal(Hex.Of(RpcBytes.ProcedureUnavailable(xid + 3)),
            Hex.Of(await server.CallAsync(RpcBytes.CallMessage(xid + 3, CallbackProgram, 1, 9))));
        Assert.False(call.IsCompleted);

        await server.SendMessageAsync(RpcBytes.Success(xid, XdrBytes.Words(7)));
        Assert.Equal(7, (await call).Value);
    }

    [Fact]
    public async Task A_client_serving_nothing_drops_calls_and_still_takes_its_replies()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(listener.LocalEndPoint!, cancellationToken: Ct);
        await using FakePeer server = FakePeer.Accepted(await listener.AcceptAsync(Ct));

        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(Echo, 7, Ct);
        uint xid = Xid(await server.ReceiveMessageAsync());
        await server.SendMessageAsync(RpcBytes.CallMessage(xid, CallbackProgram, 1, Twice.Procedure, XdrBytes.Words(21)));
        Assert.True(await server.ReceivesNothingAsync(TimeSpan.FromMilliseconds(300)));
        Assert.False(call.IsCompleted);
        await server.SendMessageAsync(RpcBytes.Success(xid, XdrBytes.Words(7)));
        Assert.Equal(7, (await call).Value);
    }

    [Fact]
    public async Task A_server_that_never_called_back_drops_replies()
    {
        await using var server = await TestServer.StartAsync(RpcTransportKind.Tcp, new RpcServerOptions());
        await using FakePeer client = await FakePeer.ConnectAsync(server.TcpEndPoint);
        await client.SendMessageAsync(RpcBytes.Success(1, XdrBytes.Words(1)));
        await client.SendMessageAsync([0, 0, 0, 2, 0, 0, 0, 1]); // a REPLY cut short after msg_type
        Assert.Equal(Hex.Of(RpcBytes.Success(3, XdrBytes.Words(3))),
            Hex.Of(await client.CallAsync(RpcBytes.CallMessage(3, ForeProgram, 1, Echo.Procedure, XdrBytes.Words(3)))));
    }
}
