using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// One TCP or Unix connection, thin: it owns the socket and the lifecycle (open, idle probe,
/// close, failing pending calls) and the state both roles share, and wires three parts together:
/// the <see cref="PendingCallTable"/> of calls in flight, the <see cref="RecordSender"/> (records
/// out, whole and in order) and the <see cref="ReplyReader"/> (records in, under the reader
/// role). No thread is parked on an idle connection.
/// <para>Invariant: <see cref="Close"/> runs its effects once (the table closes first, and only
/// the first closer gets past it); after it every pending and later call fails with its error,
/// nothing more is queued for sending, and the pump, woken, exits. The shared socket state is
/// the socket's mode (<see cref="IsAsyncMode"/>, volatile, set before the first async operation:
/// hand-off H5 in ReaderRole) and the time of last activity (a hint for the idle probe only).</para>
/// </summary>
internal sealed partial class StreamConnection : IAsyncDisposable
{
    private const long IdleProbeMilliseconds = 1000;

    private readonly ByteChannel _channel;

    /// <summary>The connection's bytes (for tests).</summary>
    internal ByteChannel Channel => _channel;
    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing = new();

    // Set before the first async operation on the socket, which hands it to the runtime's engine
    // for good (non-blocking from then on). Read by a synchronous reader to choose how to wait.
    private volatile bool _usedAsync;

    // Client clock (ms) of the last send or receive; racy by design (a probe hint).
    private long _lastActivityMs;

    public StreamConnection(ByteChannel channel, RpcClientOptions options, ILogger logger)
    {
        _channel = channel;
        Socket socket = _socket = channel.Socket;
        _logger = logger;
        RemoteEndPoint = socket.RemoteEndPoint;
        MaxFragmentSize = options.MaxFragmentSize;
        Pending = new PendingCallTable(options.Clock, options.MaxRetransmitInterval, retransmit: null);
        _lastActivityMs = Pending.NowMs;
        // Bounds a synchronous reader's blocking recv to one slice (ReadUntil); async receives ignore it.
        socket.ReceiveTimeout = ReaderRole.SliceMilliseconds;
        if (options.Timeout != Timeout.InfiniteTimeSpan)
        {
            // A caller sending on its own thread into a server that stopped reading must not block
            // for ever: past the call timeout the send fails and the connection (now holding part
            // of a record) closes. Async sends ignore it.
            socket.SendTimeout = (int)Math.Min(int.MaxValue, options.Timeout.TotalMilliseconds);
        }
        Sender = new RecordSender(this, channel, _closing.Token);
        Reader = new ReplyReader(this, channel, options.MaxRecordSize, _closing.Token);
    }

    public PendingCallTable Pending { get; }

    public RecordSender Sender { get; }

    public ReplyReader Reader { get; }

    public EndPoint? RemoteEndPoint { get; }

    public int MaxFragmentSize { get; }

    /// <summary>The server's certificate when the connection runs over TLS (RFC 9289).</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ServerCertificate => _channel.RemoteCertificate;

    /// <summary>True when the connection runs over TLS.</summary>
    public bool IsTls => !_channel.ReadsDirectly;

    public bool IsClosed => Pending.IsClosed;

    /// <summary>True once the socket has seen an async operation (it is non-blocking from then on).</summary>
    public bool IsAsyncMode => _usedAsync;

    /// <summary>Called before every async socket operation.</summary>
    public void EnterAsyncMode()
    {
        if (!_usedAsync)
        {
            _usedAsync = true;
        }
    }

    /// <summary>On the client's clock (the system one reads the coarse tick count), so tests
    /// drive the idle probe in virtual time.</summary>
    public void NoteActivity() => Volatile.Write(ref _lastActivityMs, Pending.NowMs);

    /// <summary>
    /// Nobody reads while no call is pending, so a server that closed the connection as idle goes
    /// unnoticed until a call is sent into it. Before a call on a connection quiet for a while,
    /// check for end of stream (one zero-timeout poll) so the call can go to a new connection
    /// instead. Returns true (having closed the connection) when the server has closed it.
    /// </summary>
    public bool ProbeClosedWhileIdle()
    {
        if (_channel.PeerGone)
        {
            // Known without a probe (shared memory's death watch): the call goes to a new connection.
            Close(ServerClosed());
            return true;
        }
        return Pending.NowMs - Volatile.Read(ref _lastActivityMs) >= IdleProbeMilliseconds && Reader.ProbeClosed();
    }

    /// <summary>A record that answers no pending call (late, unknown, malformed) was dropped.</summary>
    public void OnDroppedRecord()
    {
        ClientTelemetry.DroppedReplies.Add(1);
        ClientLog.DroppedReply(_logger, RemoteEndPoint);
    }

    public RpcException ServerClosed() => new(RpcStatus.ConnectionLost, $"the server at {RemoteEndPoint} closed the connection");

    /// <summary>Fails every pending call with <paramref name="error"/> and shuts the socket.</summary>
    public void Close(RpcException error, bool log = true)
    {
        int pending = Pending.Count;
        if (!Pending.Close(error))
        {
            return; // closed before
        }
        Sender.Close();
        if (log)
        {
            ClientLog.ConnectionLost(_logger, RemoteEndPoint, pending, error);
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        // The table is closed (published under its lock) before this full fence (H2/H6): a parked
        // pump wakes to exit; one reading sees the cancellation; a sync reader hands the role
        // over once it notices the close.
        Reader.EnsureReader();
        Reader.NudgeLoop();
    }

    public async ValueTask DisposeAsync()
    {
        Close(new RpcException(RpcStatus.ConnectionLost, "the client was disposed"), log: false);
        try
        {
            await Task.WhenAll(Reader.Completion, Sender.Completion).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Loop failures were turned into call failures already.
        }
        // A synchronous reader still polling sees ObjectDisposedException and leaves; its call
        // was failed by Close above.
        _channel.Dispose();
        Pending.Dispose();
        _closing.Dispose();
        Sender.DisposeBuffers();
    }
}
