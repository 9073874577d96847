using System.Net;
using System.Net.Sockets;
using OncRpc.Transport.Internal;

namespace OncRpc.Tests.Transport;

/// <summary><see cref="Libc.Receive"/>, the blocking readers' receive: what arrived, the end of
/// stream, a wait that runs out, a reset, each reported as .NET's own receive reports it.</summary>
public sealed class LibcReceiveTests
{
    private static (Socket Client, Socket Server) Connected()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        return (client, listener.Accept());
    }

    [Fact]
    public void ReturnsWhatArrivedUpToTheBuffer()
    {
        (Socket client, Socket server) = Connected();
        using (client)
        using (server)
        {
            server.Send([1, 2, 3, 4, 5]);
            byte[] buffer = new byte[3];
            Assert.Equal(3, Libc.Receive(client.SafeHandle, buffer, out SocketError status));
            Assert.Equal(SocketError.Success, status);
            Assert.Equal([1, 2, 3], buffer);
            Assert.Equal(2, Libc.Receive(client.SafeHandle, buffer, out status));
            Assert.Equal([4, 5], buffer[..2]);
        }
    }

    [Fact]
    public void AWaitThatRunsOutIsWouldBlockAndTheEndOfStreamIsZero()
    {
        (Socket client, Socket server) = Connected();
        using (client)
        using (server)
        {
            client.ReceiveTimeout = 50; // SO_RCVTIMEO, as the readers set their slice
            byte[] buffer = new byte[16];
            Assert.Equal(0, Libc.Receive(client.SafeHandle, buffer, out SocketError status));
            Assert.Equal(SocketError.WouldBlock, status);
            server.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, Libc.Receive(client.SafeHandle, buffer, out status));
            Assert.Equal(SocketError.Success, status);
        }
    }

    [Fact]
    public void AResetIsConnectionReset()
    {
        (Socket client, Socket server) = Connected();
        using (client)
        {
            server.LingerState = new LingerOption(true, 0); // close sends RST
            server.Close();
            byte[] buffer = new byte[16];
            Assert.Equal(0, Libc.Receive(client.SafeHandle, buffer, out SocketError status));
            Assert.Equal(SocketError.ConnectionReset, status);
        }
    }

    [Fact]
    public void AClosedSocketThrowsAsDotNetsReceiveDoes()
    {
        (Socket client, Socket server) = Connected();
        using (server)
        {
            client.Dispose();
            Assert.Throws<ObjectDisposedException>(() => Libc.Receive(client.SafeHandle, new byte[4], out _));
        }
    }

    [Fact]
    public void ADatagramRefusedByThePeerIsConnectionRefused()
    {
        // A port nobody listens on: bound, then closed.
        var unused = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        unused.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint closedPort = unused.LocalEndPoint!;
        unused.Dispose();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
        socket.Connect(closedPort);
        socket.Send([1]);
        Assert.Equal(0, Libc.Receive(socket.SafeHandle, new byte[16], out SocketError status));
        Assert.Equal(SocketError.ConnectionRefused, status);
    }

    [Theory]
    [InlineData(Libc.EAGAIN, SocketError.WouldBlock)]
    [InlineData(Libc.ECONNREFUSED, SocketError.ConnectionRefused)]
    [InlineData(Libc.ECONNRESET, SocketError.ConnectionReset)]
    [InlineData(Libc.ETIMEDOUT, SocketError.TimedOut)]
    [InlineData(Libc.EPIPE, SocketError.Shutdown)]
    [InlineData(9999, SocketError.SocketError)]
    public void MapsErrnoAsDotNetDoes(int errno, SocketError expected) => Assert.Equal(expected, Libc.ToSocketError(errno));
}
