using System.Buffers;
using System.Net;
using System.Net.Sockets;
using OncRpc.Diagnostics;
using OncRpc.Transport;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// One accepted TCP or Unix stream connection served by an <see cref="EpollLoop"/>: the loop thread
/// reads what arrived, reassembles records, runs each call and, when the handler completes
/// synchronously, gathers its reply and sends the replies of one read with one system call.
/// Handlers that await finish on other threads and send their own reply. Calls run concurrently up
/// to the per-connection limit; at the limit, or while too many reply bytes wait for the peer to
/// read, the connection stops reading (backpressure, no queue). Replies never interleave: every
/// send goes through one lock, and bytes the socket does not take wait in order for EPOLLOUT.
/// </summary>
internal sealed partial class EpollStreamConnection : IServerConnection, IEpollHandler
{
    private const int BatchLimit = 64 * 1024;
    private const int MaxPendingOutput = 1024 * 1024;

    private readonly RpcServerRuntime _runtime;
    private readonly Socket _socket;
    private readonly SafeSocketHandle _handle;
    private readonly RpcTransportKind _transport;
    private readonly EpollLoop _loop;
    private readonly Action<IServerConnection> _onClosed;
    private readonly RecordDecoder _decoder;
    private readonly int _maxCalls;
    private readonly CancellationTokenSource _calls;  // fires when the connection closes or a stop is forced
    private readonly CancellationToken _callsToken;
    private readonly InFlightTracker _inFlight = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _registration;
    private bool _registered;   // guarded by _gate
    private long _lastActivity;
    private long _sendStarted;
    private int _closed;
    private volatile bool _stopRequested;

    public EpollStreamConnection(RpcServerRuntime runtime, EpollLoop loop, Socket socket, RpcTransportKind transport,
        Action<IServerConnection> onClosed)
    {
        _runtime = runtime;
        _loop = loop;
        _socket = socket;
        _handle = socket.SafeHandle;
        _transport = transport;
        _onClosed = onClosed;
        try
        {
            RemoteEndPoint = socket.RemoteEndPoint;
        }
        catch (SocketException)
        {
        }
        _decoder = new RecordDecoder(runtime.Options.MaxRecordSize);
        _maxCalls = runtime.Options.MaxConcurrentCallsPerConnection;
        _calls = CancellationTokenSource.CreateLinkedTokenSource(runtime.AbortToken);
        _callsToken = _calls.Token;
        _lastActivity = Environment.TickCount64;
    }

    public EndPoint? RemoteEndPoint { get; }

    public Task Completion => _completion.Task;

    public void Start()
    {
        try
        {
            lock (_gate)
            {
                _interest = Libc.EPOLLIN | Libc.EPOLLRDHUP;
                _registration = _loop.Add(_handle, _interest, this);
                _registered = true;
            }
        }
        catch (IOException e)
        {
            // epoll refused the socket (ENOMEM, ENOSPC: max_user_watches): close it, count it out.
            ServerLog.SendFailed(_runtime.Logger, e, RemoteEndPoint);
            EndReading("cannot watch the socket: " + e.Message, graceful: false);
        }
    }

    public void StopReading()
    {
        _stopRequested = true;
        _loop.Post(this);
    }

    public void Abort()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        try
        {
            _calls.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        lock (_gate)
        {
            if (_registered)
            {
                _registered = false;
                _loop.Remove(_handle, _registration);
            }
            _outputDrained?.TrySetResult();
        }
        _socket.Dispose();
        // Reading state belongs to the loop thread: it ends reading and frees the buffers there.
        _loop.Post(this);
    }

    public void CheckIdle(long now, long idleMilliseconds)
    {
        long sendStarted = Volatile.Read(ref _sendStarted);
        bool stuck = sendStarted != 0 && now - sendStarted > idleMilliseconds;
        bool idle = _inFlight.Count == 0 && now - Volatile.Read(ref _lastActivity) > idleMilliseconds;
        if (stuck || idle)
        {
            ServerLog.ConnectionIdle(_runtime.Logger, RemoteEndPoint, TimeSpan.FromMilliseconds(idleMilliseconds));
            Abort();
        }
    }

    private bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Loop thread: the socket is readable, writable, or failed.</summary>
    public void OnEvents(uint events)
    {
        if (IsClosed)
        {
            return;
        }
        if ((events & Libc.EPOLLOUT) != 0)
        {
            OnWritable();
        }
        if ((events & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0)
        {
            if (ReadingEnabled)
            {
                ReadAvailable(); // reads the calls still buffered, then the end of the stream
            }
            else if ((events & (Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0)
            {
                // Not reading (backpressure, or a graceful stop draining) yet the peer is gone:
                // its end of the stream counts as leaving, as when reading (libtirpc closes too).
                // Close now: a hang-up is reported whatever the interest set, so waiting would
                // spin the loop.
                Abort();
                EndReading("connection error", graceful: false);
            }
        }
    }

    /// <summary>Loop thread: a stop was asked, a call slot freed up, or the connection was aborted.</summary>
    public void OnPosted()
    {
        if (IsClosed)
        {
            EndReading("connection closed", graceful: false);
            ReleaseReadState();
            return;
        }
        if (_stopRequested)
        {
            EndReading("server stopping", graceful: true);
            return;
        }
        if (_readingEnded == 0)
        {
            ResumeIfPossible();
        }
    }

    private void FinishCall(RpcCall call)
    {
        _runtime.ReturnCall(call);
        Volatile.Write(ref _lastActivity, Environment.TickCount64);
        _inFlight.Decrement();
        if (Volatile.Read(ref _pausedForCalls) && !_loop.IsLoopThread)
        {
            _loop.Post(this); // the loop resumes reading now that a slot is free
        }
    }

    /// <summary>Reading is over (end of stream, error, refused record, stop): a graceful end lets
    /// the calls in flight finish and their replies go out before closing; otherwise the connection
    /// closes now and the calls' tokens fire.</summary>
    private void EndReading(string reason, bool graceful)
    {
        if (Interlocked.Exchange(ref _readingEnded, 1) != 0)
        {
            return;
        }
        UpdateInterest();
        if (!graceful)
        {
            Abort();
        }
        _ = FinishAsync(reason, graceful);
    }

    private async Task FinishAsync(string reason, bool graceful)
    {
        try
        {
            await _inFlight.WaitForDrainAsync().ConfigureAwait(false);
            if (graceful)
            {
                await WaitForOutputAsync().ConfigureAwait(false);
            }
            Abort();
            ServerLog.ConnectionClosed(_runtime.Logger, RemoteEndPoint, reason);
            _calls.Dispose();
        }
        finally
        {
            _onClosed(this);
            _completion.TrySetResult();
        }
    }
}
