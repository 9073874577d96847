using System.Net;
using System.Net.Sockets;


namespace OncRpc.Tests.Support;

/// <summary>A scriptable UDP peer on loopback.</summary>
internal sealed class FakeUdpServer : IDisposable
{
    private readonly Socket _socket;

    public FakeUdpServer(AddressFamily family = AddressFamily.InterNetwork)
    {
        _socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
    }

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public async Task<(ReceivedCall Call, EndPoint From, long At)> ReceiveCallAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[65536];
        SocketReceiveFromResult result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None,
            new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0), cts.Token);
        long at = Environment.TickCount64;
        return (ReceivedCall.Parse(buffer[..result.ReceivedBytes]), result.RemoteEndPoint, at);
    }

    public async Task SendAsync(byte[] message, EndPoint to) => await _socket.SendToAsync(message, SocketFlags.None, to);

    /// <summary>Sends on the calling thread: on loopback the datagram is in the peer's socket when this returns.</summary>
    public void Send(byte[] message, EndPoint to) => _socket.SendTo(message, to);

    public void Dispose() => _socket.Dispose();
}
