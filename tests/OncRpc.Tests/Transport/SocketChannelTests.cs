using System.Net;
using System.Net.Sockets;
using OncRpc.Transport.Internal;

namespace OncRpc.Tests.Transport;

/// <summary>A plain socket's blocking send: one non-blocking send(2) first, the rest through the
/// socket's own blocking send.</summary>
public sealed class SocketChannelTests
{
    [Fact]
    public async Task A_send_larger_than_the_socket_buffers_goes_out_whole_and_in_order()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 16 * 1024 };
        await client.ConnectAsync(listener.LocalEndPoint!, TestContext.Current.CancellationToken);
        using Socket server = await listener.AcceptAsync(TestContext.Current.CancellationToken);
        byte[] data = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(data);

        // Nobody reads yet: the first, non-blocking send can take only what the buffers hold.
        using var channel = new SocketChannel(client);
        Task<int> sending = Task.Run(() => channel.Send(data), TestContext.Current.CancellationToken);
        byte[] received = new byte[data.Length];
        int total = 0;
        while (total < received.Length)
        {
            int n = await server.ReceiveAsync(received.AsMemory(total), TestContext.Current.CancellationToken);
            Assert.True(n > 0, "the connection ended early");
            total += n;
        }

        int writes = await sending;
        Assert.True(writes >= 2, $"{writes} writes: the non-blocking send cannot have taken 8 MiB");
        Assert.Equal(data, received);
    }

    [Fact]
    public async Task A_send_on_a_connection_the_peer_reset_throws_a_socket_error()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, TestContext.Current.CancellationToken);
        Socket server = await listener.AcceptAsync(TestContext.Current.CancellationToken);
        server.LingerState = new LingerOption(true, 0); // close with a reset
        server.Dispose();

        using var channel = new SocketChannel(client);
        // The reset is in before the first send over loopback; sends fail from then on at the latest.
        Assert.Throws<SocketException>(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                channel.Send(new byte[100]);
            }
        });
    }
}
