using System.Net;
using System.Net.Sockets;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.EndToEnd;

/// <summary>The low level: a client over a socket the caller connected, a server serving a socket
/// the caller accepted.</summary>
public sealed class CallerSocketTests
{
    private static readonly RpcProcedureDescriptor s_echo = new(0x2000_0500, 1, 1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A connected TCP pair on loopback, made without either side's factories.</summary>
    private static async Task<(Socket Client, Socket Server)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Task<Socket> accepted = listener.AcceptAsync(Ct).AsTask();
        await client.ConnectAsync(listener.LocalEndPoint!, Ct);
        return (client, await accepted);
    }

    private static async Task<RpcServer> StartServerAsync()
    {
        var server = new RpcServer(new RpcServerOptions { EventLoopThreads = 0 });
        server.Dispatcher.Register<XdrString, XdrString>(s_echo, (s, context) => new ValueTask<XdrString>($"{s.Value} via {context.Transport}"));
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(Ct);
        return server;
    }

    [Fact]
    public async Task A_client_over_a_callers_socket_calls_a_server_serving_a_callers_socket()
    {
        await using RpcServer server = await StartServerAsync();
        (Socket clientSocket, Socket serverSocket) = await PairAsync();
        server.ServeConnection(serverSocket);
        await using RpcClient client = RpcClient.FromSocket(clientSocket);

        Assert.Equal("hi via Tcp", (await client.CallAsync<XdrString, XdrString>(s_echo, "hi", Ct)).Value);
        Assert.Equal("sync via Tcp", client.Call<XdrString, XdrString>(s_echo, "sync", Ct).Value);
    }

    [Fact]
    public async Task A_client_over_a_callers_socket_does_not_reconnect_once_it_is_lost()
    {
        await using RpcServer server = await StartServerAsync();
        (Socket clientSocket, Socket serverSocket) = await PairAsync();
        await using RpcClient client = RpcClient.FromSocket(clientSocket, new RpcClientOptions { Reconnect = true });
        serverSocket.Dispose(); // the peer goes away before any call

        var e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrString, XdrString>(s_echo, "x", Ct));
        Assert.Equal(RpcStatus.ConnectionLost, e.Status);
        e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrString, XdrString>(s_echo, "x", Ct));
        Assert.Equal(RpcStatus.ConnectionLost, e.Status);
    }

    [Fact]
    public async Task Sockets_that_cannot_carry_a_connection_are_refused()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var unconnected = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Throws<ArgumentException>(() => RpcClient.FromSocket(udp));
        Assert.Throws<ArgumentException>(() => RpcClient.FromSocket(unconnected));

        (Socket clientSocket, Socket serverSocket) = await PairAsync();
        using (clientSocket)
        using (serverSocket)
        {
            await using var stopped = new RpcServer();
            Assert.Throws<InvalidOperationException>(() => stopped.ServeConnection(serverSocket));
            await using RpcServer server = await StartServerAsync();
            Assert.Throws<ArgumentException>(() => server.ServeConnection(udp));
        }
    }
}
