using System.Net;
using System.Net.Sockets;

namespace OncRpc.Tests.Client.Support;

/// <summary>A scriptable TCP peer on loopback: the test accepts connections, reads call records
/// (fragments kept apart, so fragmentation can be checked) and writes whatever bytes it likes.</summary>
internal sealed class FakeStreamServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly List<FakeStreamPeer> _peers = [];

    public FakeStreamServer(AddressFamily family = AddressFamily.InterNetwork)
    {
        _listener = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        _listener.Listen(16);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public async Task<FakeStreamPeer> AcceptAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Socket socket = await _listener.AcceptAsync(timeout.Token);
        var peer = new FakeStreamPeer(socket);
        lock (_peers)
        {
            _peers.Add(peer);
        }
        return peer;
    }

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        lock (_peers)
        {
            foreach (FakeStreamPeer peer in _peers)
            {
                peer.Dispose();
            }
        }
        return ValueTask.CompletedTask;
    }
}

internal sealed class FakeStreamPeer(Socket socket) : IDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);

    /// <summary>Fragment lengths of the last record read.</summary>
    public List<int> LastFragments { get; } = [];

    /// <summary>Reads one record; null at end of stream. Bounded by a 10 s timeout.</summary>
    public async Task<byte[]?> ReadRecordAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        LastFragments.Clear();
        var record = new List<byte>();
        var header = new byte[4];
        while (true)
        {
            try
            {
                await _stream.ReadExactlyAsync(header, cts.Token);
            }
            catch (EndOfStreamException)
            {
                return null;
            }
            uint h = Wire.ReadU32(header, 0);
            var fragment = new byte[h & 0x7FFF_FFFF];
            await _stream.ReadExactlyAsync(fragment, cts.Token);
            LastFragments.Add(fragment.Length);
            record.AddRange(fragment);
            if ((h & 0x8000_0000) != 0)
            {
                return [.. record];
            }
        }
    }

    public async Task<ReceivedCall> ReadCallAsync(TimeSpan? timeout = null) =>
        ReceivedCall.Parse(await ReadRecordAsync(timeout) ?? throw new EndOfStreamException("the client closed the connection"));

    /// <summary>True when a record arrives within <paramref name="wait"/>.</summary>
    public async Task<bool> HasDataWithinAsync(TimeSpan wait)
    {
        var probe = new byte[1];
        using var cts = new CancellationTokenSource(wait);
        try
        {
            return await socket.ReceiveAsync(probe, SocketFlags.Peek, cts.Token) > 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public Task SendReplyAsync(byte[] message) => SendRawAsync(Wire.Record(message));

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    public void Dispose() => _stream.Dispose();

    /// <summary>Closes abruptly (RST), as a crashed server would.</summary>
    public void Abort()
    {
        socket.LingerState = new LingerOption(true, 0);
        _stream.Dispose();
    }
}
