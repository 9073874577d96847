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
internal sealed partial class EpollStreamConnection : ServerConnection, IEpollHandler
{
    private const int MaxPendingOutput = 1024 * 1024;

    private readonly SafeSocketHandle _handle;
    private readonly EpollLoop _loop;
    private readonly int _maxCalls;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ulong _registration;
    private bool _registered;   // guarded by _gate
    private volatile bool _stopRequested;

    public EpollStreamConnection(RpcServerRuntime runtime, EpollLoop loop, Socket socket, RpcTransportKind transport,
        Action<ServerConnection> onClosed)
        : base(runtime, socket, transport, onClosed)
    {
        _loop = loop;
        _handle = socket.SafeHandle;
        _maxCalls = runtime.Options.MaxConcurrentCallsPerConnection;
    }

    public override Task Completion => _completion.Task;

    public override void Start()
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

    public override void StopReading()
    {
        _stopRequested = true;
        _loop.Post(this);
    }

    public override void Abort()
    {
        if (!MarkClosed())
        {
            return;
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

    public override void OnCallEnded()
    {
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
        CloseBackchannel("the server stopped reading the connection (" + reason + ")");
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
