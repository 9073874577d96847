using System.Net.Sockets;
using OncRpc.Diagnostics;
using OncRpc.Transport;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// One shared-memory connection (netid shm): accepted on a Unix socket, which first carries the
/// handshake (<see cref="ShmHandshake"/>: the peer's uid checked with SO_PEERCRED, then the
/// mapping made for this connection handed over) and then only watches for the peer's death.
/// Calls come out of the client-to-server ring, record-marked as on any stream, into the one
/// <see cref="CallLifecycle"/>, decoded where they lie in the ring (a small one copied once, into
/// its call; a large one's arguments read in place while it runs) and answered inline when their handler completes synchronously; replies go into the server-to-client ring through one writer (a
/// writer role around each whole record), so records never interleave. A reply begun on the
/// connection's thread is encoded straight into the ring's free space where it fits
/// (ShmServerConnection.InPlaceReply.cs), saving the copy of the finished record.
/// <para>Invariant: one thread, this connection's own, reads the ring: it spins briefly when the
/// ring is empty, then sleeps in the futex, so an idle connection costs no CPU. At the call limit
/// it stops reading (the client's ring fills: backpressure). A reply that finds the outbound ring
/// full waits for space on the thread that writes it. The peer leaving (end of stream on the
/// socket), a graceful stop and an abort cancel the rings, which wakes every waiter; calls in
/// flight are then cancelled through the calls' token as on the other transports.</para>
/// </summary>
internal sealed partial class ShmServerConnection : ServerConnection, IReplyRegionLender, ILentRegionOwner
{
    private const int InitialReadBuffer = 128 * 1024; // a 64 KiB call, record mark and header included, fits whole

    private readonly SemaphoreSlim _callSlots;
    /// <summary>The outbound ring's writer role (1: held): while a whole record is copied in, or
    /// while a reply is encoded in place (from the lend to its publication or release, possibly
    /// on another thread, so not a lock).</summary>
    private int _ringWriter;
    private readonly CancellationTokenSource _reading = new(); // fires when a graceful stop begins
    private readonly CancellationToken _readingToken;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _writeTimeoutMs;
    private ShmMapping? _mapping;
    private ShmRing? _in;   // set once by the connection's thread (Interlocked, see Publish)
    private ShmRing? _out;
    private RecordTiming _recordTiming; // connection thread only
    private volatile bool _waitingForSlot;
    private string? _stopReason;        // connection thread only: set by the in-place reader
    private long _consumedInPlace;      // connection thread only

    public ShmServerConnection(RpcServerRuntime runtime, Socket socket, Action<ServerConnection> onClosed)
        : base(runtime, socket, RpcTransportKind.SharedMemory, onClosed)
    {
        _callSlots = new SemaphoreSlim(runtime.Options.MaxConcurrentCallsPerConnection, runtime.Options.MaxConcurrentCallsPerConnection);
        _readingToken = _reading.Token;
        // A reply stuck behind a client that stopped reading counts as stuck after the idle
        // timeout, as a socket's would (CheckIdle); then the connection is aborted, which cancels the wait.
        _writeTimeoutMs = -1;
    }

    public override Task Completion => _completion.Task;

    internal override bool PausedAtCallLimit => _waitingForSlot;

    public override void Start()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "OncRpc shm connection" };
        thread.Start();
    }

    public override void StopReading()
    {
        try
        {
            _reading.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        Volatile.Read(ref _in)?.Cancel();
    }

    public override void Abort()
    {
        if (MarkClosed())
        {
            // MarkClosed's exchange is a full fence: either the rings are published and cancelled
            // here, or the connection's thread sees the close right after publishing them.
            Volatile.Read(ref _in)?.Cancel();
            Volatile.Read(ref _out)?.Cancel();
            _socket.Dispose();
        }
    }

    /// <summary>The connection's thread: handshake, then the read loop, then the close.</summary>
    private void Run()
    {
        string reason;
        try
        {
            RpcSharedMemoryOptions options = _runtime.Options.SharedMemory;
            ShmMapping? mapping = ShmHandshake.Offer(_socket, options.RingSize, options.Allows, out uint uid);
            if (mapping is null)
            {
                ServerLog.SharedMemoryPeerRefused(_runtime.Logger, uid);
                reason = $"peer uid {uid} refused";
            }
            else
            {
                Publish(mapping);
                _ = WatchPeerAsync();
                reason = ReadLoop();
            }
        }
        catch (Exception e)
        {
            reason = "shared-memory connection failed: " + e.Message;
        }
        _ = FinishAsync(reason);
    }

    private void Publish(ShmMapping mapping)
    {
        _mapping = mapping;
        Interlocked.Exchange(ref _out, new ShmRing(mapping, ShmMapping.ServerToClient, ShmChannel.SpinTicks));
        Interlocked.Exchange(ref _in, new ShmRing(mapping, ShmMapping.ClientToServer, ShmChannel.SpinTicks));
        if (ClosingStarted)
        {
            _in!.Cancel();
            _out!.Cancel();
        }
        else if (_readingToken.IsCancellationRequested)
        {
            _in!.Cancel();
        }
    }

    /// <summary>The socket carries nothing after the handshake: its end means the client is gone
    /// (exited, killed, or closed the connection). Its calls are failed and the rings cancelled at once.</summary>
    private async Task WatchPeerAsync()
    {
        try
        {
            await _socket.ReceiveAsync(new byte[1], SocketFlags.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        Abort();
    }

    private void ReplyAndEnd(RpcCall call)
    {
        try
        {
            if (call.HasReply && !_callsToken.IsCancellationRequested)
            {
                Send(call.FinishStreamRecord().Span);
            }
        }
        finally
        {
            _runtime.Calls.End(call);
        }
    }

    internal override ValueTask SendRecordAsync(ReadOnlyMemory<byte> record)
    {
        Send(record.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes one whole record into the outbound ring holding the writer role, waiting
    /// for space while the client drains a full ring; a reply encoded in place is published where
    /// it lies instead (its lend holds the role). A failure (the rings were cancelled, the peer
    /// broke the counters) may leave part of a record written: the connection is aborted.</summary>
    private void Send(ReadOnlySpan<byte> record)
    {
        if (Volatile.Read(ref _out) is not { } ring)
        {
            return;
        }
        PooledBufferWriter? lent = ring.ReservedRecord(record) ? _lentReply : null;
        if (lent is null)
        {
            TakeWriterRole();
        }
        Volatile.Write(ref _sendStarted, _runtime.NowMs);
        try
        {
            if (lent is null)
            {
                ring.WriteAll(record, _writeTimeoutMs);
            }
            else
            {
                ring.Commit(record.Length);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            SendFailed(e);
        }
        finally
        {
            Volatile.Write(ref _sendStarted, 0);
            if (lent is null)
            {
                ReleaseWriterRole();
            }
            else
            {
                lent.LeaveLent(); // nothing kept: the bytes are the client's now; ends the lend and the role
            }
        }
    }

    private bool TryTakeWriterRole() => Interlocked.CompareExchange(ref _ringWriter, 1, 0) == 0;

    /// <summary>Waits for the writer role: held briefly by another reply's copy or publication
    /// (longer only while that one waits for ring space, or while a reply lent the ring is
    /// completed by its handler on another thread).</summary>
    private void TakeWriterRole()
    {
        var spin = new SpinWait();
        while (!TryTakeWriterRole())
        {
            spin.SpinOnce();
        }
    }

    private void ReleaseWriterRole() => Volatile.Write(ref _ringWriter, 0);

    private void SendFailed(Exception e)
    {
        if (!ClosingStarted)
        {
            ServerLog.SendFailed(_runtime.Logger, e, RemoteEndPoint);
        }
        Abort();
    }

    public override void OnCallEnded()
    {
        _callSlots.Release();
        Volatile.Write(ref _lastActivity, _runtime.NowMs);
    }

    private async Task FinishAsync(string reason)
    {
        await CloseAfterReadingAsync(reason, graceful: _readingToken.IsCancellationRequested && !ClosingStarted).ConfigureAwait(false);
        _mapping?.Dispose(); // unmaps once no writer is inside any more
        _decoder.Dispose();
        _calls.Dispose();
        _reading.Dispose();
        _onClosed(this);
        _completion.TrySetResult();
    }
}
