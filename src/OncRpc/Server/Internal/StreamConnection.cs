using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using OncRpc.Diagnostics;
using OncRpc.Transport;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// One accepted TCP or Unix stream connection: a read loop reassembling records
/// (<see cref="RecordDecoder"/> over a <see cref="PipeReader"/>), calls run concurrently up to
/// the per-connection limit (at the limit the loop stops reading: backpressure, no queue), and one
/// writer (a lock around a whole-record send) so replies never interleave.
/// </summary>
internal sealed partial class StreamConnection : ServerConnection
{
    private readonly PipeReader _reader;
    private readonly SemaphoreSlim _callSlots;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _reading = new(); // fires when a graceful stop begins
    private readonly CancellationToken _readingToken;
    private readonly PooledBufferWriter _batch = new(4 * 1024); // replies of the current read; read loop only
    private RecordTiming _recordTiming; // read loop only
    private volatile bool _waitingForSlot; // the read loop waits for a call slot (tests observe it)

    public StreamConnection(RpcServerRuntime runtime, Socket socket, RpcTransportKind transport, Action<ServerConnection> onClosed)
        : base(runtime, socket, transport, onClosed)
    {
        // Zero-byte reads: an idle connection waits without holding a buffer; the 64 KiB one is
        // rented when data arrives (1,000 idle connections: GC heap +70 MiB -> +7.5 MiB).
        _reader = PipeReader.Create(new NetworkStream(socket, ownsSocket: false),
            new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true, useZeroByteReads: true));
        _callSlots = new SemaphoreSlim(runtime.Options.MaxConcurrentCallsPerConnection, runtime.Options.MaxConcurrentCallsPerConnection);
        _readingToken = _reading.Token;
    }

    private Task _completion = Task.CompletedTask;

    public override Task Completion => _completion;

    internal override bool PausedAtCallLimit => _waitingForSlot;

    public override void Start() => _completion = RunAsync();

    public override void StopReading()
    {
        try
        {
            _reading.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public override void Abort()
    {
        if (MarkClosed())
        {
            _socket.Dispose();
        }
    }

    private async Task RunAsync()
    {
        await Task.Yield(); // leave the accept loop at once
        string reason;
        try
        {
            reason = await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            reason = "read loop failed: " + e.Message;
        }
        CloseBackchannel("the server stopped reading the connection (" + reason + ")");

        if (_readingToken.IsCancellationRequested && Volatile.Read(ref _closed) == 0)
        {
            // Graceful stop: answer what is in flight (a forced stop cancels the calls), then close.
            await _inFlight.WaitForDrainAsync().ConfigureAwait(false);
            Abort();
        }
        else
        {
            // The peer left, broke the protocol, or idled: nobody will read the replies.
            Abort();
            await _inFlight.WaitForDrainAsync().ConfigureAwait(false);
        }
        ServerLog.ConnectionClosed(_runtime.Logger, RemoteEndPoint, reason);
        await _reader.CompleteAsync().ConfigureAwait(false);
        _decoder.Dispose();
        _batch.Dispose();
        _calls.Dispose();
        _reading.Dispose();
        _onClosed(this);
    }
}
