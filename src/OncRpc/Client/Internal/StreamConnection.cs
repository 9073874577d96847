using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using OncRpc.Transport;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// One TCP or Unix connection: a pending-call table, a send path that writes records whole and in
/// order (StreamConnection.Write.cs) and a reader role (StreamConnection.Read.cs) that whoever
/// needs replies takes: a synchronous caller reads on its own thread, as libtirpc's clnt_call does,
/// and an async pump reads only while calls are pending. No thread is parked on an idle connection.
/// </summary>
internal sealed partial class StreamConnection : IAsyncDisposable, IThreadPoolWorkItem
{
    private readonly Socket _socket;
    private readonly RpcClientOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationToken _closingToken;

    public StreamConnection(Socket socket, RpcClientOptions options, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _logger = logger;
        _closingToken = _closing.Token;
        RemoteEndPoint = socket.RemoteEndPoint;
        Pending = new PendingCallTable(options.Clock, options.Timeout, options.MaxRetransmitInterval, retransmit: null);
        _decoder = new RecordDecoder(options.MaxRecordSize);
        _batch = new PooledBufferWriter(BatchLimit);
        _readBuffer = _ownReadBuffer;
        _lastActivityTicks = Environment.TickCount64;
        // Bounds a synchronous reader's blocking recv to one slice (ReadUntil); async receives ignore it.
        socket.ReceiveTimeout = SliceMilliseconds;
        if (options.Timeout != Timeout.InfiniteTimeSpan)
        {
            // A caller sending on its own thread into a server that stopped reading must not block
            // for ever: past the call timeout the send fails and the connection (now holding part
            // of a record) closes. Async sends ignore it.
            socket.SendTimeout = (int)Math.Min(int.MaxValue, options.Timeout.TotalMilliseconds);
        }
        // Parks at once without touching the socket: a connection used only synchronously never
        // enters the runtime's socket engine.
        _pump = PumpAsync();
    }

    public PendingCallTable Pending { get; }

    public EndPoint? RemoteEndPoint { get; }

    public bool IsClosed => Pending.IsClosed;

    /// <summary>Fails every pending call with <paramref name="error"/> and shuts the socket.</summary>
    public void Close(RpcException error, bool log = true)
    {
        if (Pending.IsClosed)
        {
            return;
        }
        int pending = Pending.Count;
        Pending.Close(error);
        CloseSendQueue();
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
        // A parked pump wakes to exit; one reading sees the cancellation; a sync reader hands the
        // role over (ReleaseSyncReader) once it notices the close.
        _reader.EnsureReader();
    }

    public async ValueTask DisposeAsync()
    {
        Close(new RpcException(RpcStatus.ConnectionLost, "the client was disposed"), log: false);
        try
        {
            await Task.WhenAll(_pump, _drain).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Loop failures were turned into call failures already.
        }
        // A synchronous reader still polling sees ObjectDisposedException and leaves; its call
        // was failed by Close above.
        _socket.Dispose();
        Pending.Dispose();
        _closing.Dispose();
        DisposeSendBuffers();
    }
}

/// <summary>A record queued for the send path.</summary>
/// <param name="Buffer">The record, framed; returned to the pool once written.</param>
/// <param name="Flush">False for a batched call: stays buffered until a flushing record follows.</param>
/// <param name="Written">Completed once the record has been handed to the socket (one-way calls).</param>
/// <param name="Call">The call the record carries, for its send phase (<see cref="SendPhaseMarks"/>).</param>
internal readonly record struct OutgoingRecord(PooledBufferWriter Buffer, bool Flush, TaskCompletionSource? Written = null, PendingCall? Call = null);
