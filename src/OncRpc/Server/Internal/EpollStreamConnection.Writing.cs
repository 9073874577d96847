using System.Buffers;
using OncRpc.Diagnostics;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

internal sealed partial class EpollStreamConnection
{
    // Guarded by _gate: the bytes the socket has not taken yet (in order), and the interest set.
    private readonly Lock _gate = new();
    private PooledBufferWriter? _output;
    private int _outputOffset;
    private uint _interest;
    private bool _pausedForOutput;
    private TaskCompletionSource? _outputDrained;

    /// <summary>True while the connection has stopped reading calls because too many reply bytes
    /// wait for the peer to read them (tests observe the backpressure through it).</summary>
    internal bool PausedForOutput
    {
        get
        {
            lock (_gate)
            {
                return _pausedForOutput;
            }
        }
    }

    /// <summary>Sends one or more whole records, from any thread: straight to the socket when
    /// nothing is waiting, otherwise (or for what the socket does not take) queued in order for
    /// EPOLLOUT. A failed send closes the connection: part of a record may have gone out.</summary>
    private void Send(ReadOnlySpan<byte> records)
    {
        int errno = 0;
        lock (_gate)
        {
            if (IsClosed)
            {
                return;
            }
            if (_output is null)
            {
                int sent = Libc.TrySend(_handle, records, out errno);
                if (sent == records.Length)
                {
                    return;
                }
                if (sent < 0 && errno != Libc.EAGAIN)
                {
                    goto failed;
                }
                records = records[Math.Max(sent, 0)..];
                _output = new PooledBufferWriter(Math.Max(records.Length, 4096));
                _outputOffset = 0;
                Volatile.Write(ref _sendStarted, _runtime.NowMs);
            }
            _output.Write(records);
            if (_output.WrittenCount - _outputOffset > MaxPendingOutput)
            {
                // The peer is not reading its replies: stop reading its calls until it does.
                _pausedForOutput = true;
            }
            UpdateInterestLocked();
            return;
        }
    failed:
        ServerLog.SendFailed(_runtime.Logger, new System.Net.Sockets.SocketException(errno), RemoteEndPoint);
        Abort();
    }

    /// <summary>Loop thread: the socket takes bytes again.</summary>
    private void OnWritable()
    {
        int errno = 0;
        bool resume = false;
        lock (_gate)
        {
            if (_output is null || IsClosed)
            {
                return;
            }
            while (_outputOffset < _output.WrittenCount)
            {
                int sent = Libc.TrySend(_handle, _output.WrittenSpan[_outputOffset..], out errno);
                if (sent < 0)
                {
                    if (errno == Libc.EAGAIN)
                    {
                        break;
                    }
                    goto failed;
                }
                _outputOffset += sent;
                Volatile.Write(ref _sendStarted, _runtime.NowMs);
            }
            if (_outputOffset == _output.WrittenCount)
            {
                _output.Dispose();
                _output = null;
                Volatile.Write(ref _sendStarted, 0);
                resume = _pausedForOutput;
                _pausedForOutput = false;
                _outputDrained?.TrySetResult();
            }
            else if (_pausedForOutput && _output.WrittenCount - _outputOffset <= MaxPendingOutput / 2)
            {
                resume = true;
                _pausedForOutput = false;
            }
            UpdateInterestLocked();
        }
        if (resume)
        {
            ResumeIfPossible();
        }
        return;
    failed:
        ServerLog.SendFailed(_runtime.Logger, new System.Net.Sockets.SocketException(errno), RemoteEndPoint);
        EndReading("send failed", graceful: false);
    }

    /// <summary>Completes when every queued reply byte went out (or the connection closed).</summary>
    private Task WaitForOutputAsync()
    {
        lock (_gate)
        {
            if (_output is null || IsClosed)
            {
                return Task.CompletedTask;
            }
            _outputDrained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _outputDrained.Task;
        }
    }

    private void UpdateInterest()
    {
        lock (_gate)
        {
            UpdateInterestLocked();
        }
    }

    /// <summary>EPOLLIN while reading is enabled, EPOLLOUT while output waits.</summary>
    private void UpdateInterestLocked()
    {
        if (IsClosed || !_registered)
        {
            return;
        }
        // EPOLLRDHUP always: a peer that leaves while its connection is not being read (at the
        // call limit, or draining for a stop) is noticed, and its calls cancelled, at once.
        uint wanted = Libc.EPOLLRDHUP | (ReadingEnabled ? Libc.EPOLLIN : 0) | (_output is not null ? Libc.EPOLLOUT : 0);
        if (wanted != _interest)
        {
            _interest = wanted;
            _loop.Modify(_handle, _registration, wanted);
        }
    }
}
