using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace OncRpc.Tests.Support;

/// <summary>
/// A scriptable raw-socket peer: sends exactly the bytes a test builds (well formed or hostile)
/// and reads raw replies, with every wait bounded. TCP, Unix stream (record marking) or UDP.
/// </summary>
public sealed class FakePeer : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly bool _stream;

    private FakePeer(Socket socket, bool stream)
    {
        _socket = socket;
        _stream = stream;
    }

    public Socket Socket => _socket;

    /// <summary>Connects a stream peer to a TCP (<see cref="IPEndPoint"/>) or Unix end point.</summary>
    public static async Task<FakePeer> ConnectAsync(EndPoint endPoint)
    {
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(endPoint, cts.Token);
        return new FakePeer(socket, stream: true);
    }

    /// <summary>Wraps an accepted stream socket: a fake server's end of a connection.</summary>
    public static FakePeer Accepted(Socket socket) => new(socket, stream: true);

    /// <summary>A UDP peer connected to <paramref name="server"/>.</summary>
    public static FakePeer Udp(EndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        return new FakePeer(socket, stream: false);
    }

    /// <summary>Connects to the end point of the given kind.</summary>
    public static async Task<FakePeer> ConnectAsync(RpcTransportKind transport, EndPoint endPoint) =>
        transport == RpcTransportKind.Udp ? Udp(endPoint) : await ConnectAsync(endPoint);

    public bool IsStream => _stream;

    /// <summary>Sends raw bytes (no framing added).</summary>
    public async Task SendRawAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cts.Token);
        }
    }

    /// <summary>Sends a message: one last fragment on streams, one datagram on UDP.</summary>
    public Task SendMessageAsync(byte[] message) =>
        _stream ? SendRawAsync(RpcBytes.Fragment(message)) : SendRawAsync(message);

    /// <summary>Receives one message: a reassembled record on streams, a datagram on UDP.</summary>
    public async Task<byte[]> ReceiveMessageAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        if (!_stream)
        {
            byte[] buffer = new byte[70_000];
            int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return buffer.AsSpan(0, n).ToArray();
        }
        var record = new List<byte>();
        byte[] header = new byte[4];
        while (true)
        {
            await ReadExactlyAsync(header, cts.Token);
            uint word = BinaryPrimitives.ReadUInt32BigEndian(header);
            byte[] fragment = new byte[word & 0x7FFF_FFFF];
            await ReadExactlyAsync(fragment, cts.Token);
            record.AddRange(fragment);
            if ((word & 0x8000_0000) != 0)
            {
                return [.. record];
            }
        }
    }

    /// <summary>Sends a call and returns the next message.</summary>
    public async Task<byte[]> CallAsync(byte[] message, TimeSpan? timeout = null)
    {
        await SendMessageAsync(message);
        return await ReceiveMessageAsync(timeout);
    }

    /// <summary>True when nothing arrives within <paramref name="wait"/> (used to prove a drop).</summary>
    public async Task<bool> ReceivesNothingAsync(TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            byte[] buffer = new byte[1];
            int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return false; // n == 0 is a close: also "something"
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>True when the server closes the stream within <paramref name="timeout"/>
    /// (reads and discards anything before the close).</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true; // reset
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ReadExactlyAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await _socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                throw new EndOfStreamException($"server closed the connection after {read} of {buffer.Length} bytes");
            }
            read += n;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
