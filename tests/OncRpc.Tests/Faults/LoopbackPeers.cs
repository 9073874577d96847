using System.Net;
using System.Net.Sockets;

namespace OncRpc.Tests.Faults;

/// <summary>A plain UDP socket on loopback for the proxy's tests: the client or the server side,
/// every wait bounded.</summary>
internal sealed class UdpPeer : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    /// <summary>Bound to <paramref name="port"/> on loopback (0: any free port).</summary>
    public UdpPeer(int port = 0) => _socket.Bind(new IPEndPoint(IPAddress.Loopback, port));

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public void SendTo(EndPoint to, byte[] datagram) => _socket.SendTo(datagram, to);

    public void SendTo(EndPoint to, string text) => SendTo(to, System.Text.Encoding.ASCII.GetBytes(text));

    public async Task<(string Text, EndPoint From)> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        var buffer = new byte[65_535];
        var result = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
        return (System.Text.Encoding.ASCII.GetString(buffer, 0, result.ReceivedBytes), result.RemoteEndPoint);
    }

    public async Task<string[]> ReceiveManyAsync(int count)
    {
        var texts = new string[count];
        for (var i = 0; i < count; i++)
        {
            texts[i] = (await ReceiveAsync()).Text;
        }
        return texts;
    }

    /// <summary>True when nothing arrives within <paramref name="wait"/> (how a drop is proven).</summary>
    public async Task<bool> ReceivesNothingAsync(TimeSpan wait)
    {
        try
        {
            await ReceiveAsync(wait);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Answers the next <paramref name="count"/> datagrams with their own bytes.</summary>
    public async Task EchoAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var (text, from) = await ReceiveAsync();
            SendTo(from, text);
        }
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>TCP sockets on loopback for the proxy's tests, every wait bounded.</summary>
internal static class TcpPeers
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>A listener on loopback, on <paramref name="port"/> (0: any free port); reusable
    /// over TIME_WAIT, so a test can restart a server on the same port.</summary>
    public static Socket Listen(int port = 0)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(16);
        return listener;
    }

    public static async Task<Socket> AcceptAsync(Socket listener)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await listener.AcceptAsync(cts.Token);
    }

    public static async Task<Socket> ConnectAsync(EndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(endPoint, cts.Token);
        return socket;
    }

    /// <summary>A connection through <paramref name="proxyEndPoint"/> and the server's end of it.</summary>
    public static async Task<(Socket Client, Socket Server)> ConnectThroughAsync(Socket listener, EndPoint proxyEndPoint)
    {
        var accept = AcceptAsync(listener);
        var client = await ConnectAsync(proxyEndPoint);
        return (client, await accept);
    }

    public static async Task SendAsync(Socket socket, byte[] bytes)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cts.Token);
        }
    }

    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"closed after {read} of {count} bytes");
            }
            read += n;
        }
        return buffer;
    }

    /// <summary>Everything until the peer closes (EOF or reset); throws on timeout.</summary>
    public static async Task<(byte[] Bytes, bool Reset)> ReadToEndAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var all = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return ([.. all], false);
                }
                all.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException)
        {
            return ([.. all], true);
        }
    }

    /// <summary>True when nothing (not even a close) arrives within <paramref name="wait"/>.</summary>
    public static async Task<bool> ReceivesNothingAsync(Socket socket, TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            await socket.ReceiveAsync(new byte[1], SocketFlags.Peek, cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
