using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// The async reader of a plain (non-TLS) connection on Linux: the client's event loop
/// (<see cref="ClientEventLoop"/>), not a pump task on .NET's socket engine, whose own epoll
/// thread hands every completion to a pool worker (two wake-ups per awaited call).
/// <para>Invariant: the socket is armed (EPOLLIN, one-shot) only by the role holder, for the loop
/// (<see cref="WakeLoop"/> after <see cref="ReaderRole.EnsureReader"/> gave the loop the role, or
/// the loop itself to read on); the loop's handler proceeds only by consuming that arming
/// (<see cref="_armed"/>), so one handler reads per arming, and a stray hang-up reported while the
/// role is elsewhere is ignored. The reply of an awaited call read by the loop is held
/// (<see cref="ReaderRole.Hold"/>) and published once the loop is done reading: inline, after the
/// wake-up's other events (<see cref="EpollLoop.RunAfterBatch"/>), when the loop gave the role up
/// (no call left pending, so nothing of this connection waits on this thread: a continuation that
/// calls again, blocking or not, finds the role free); on the thread pool when it reads on.</para>
/// </summary>
internal sealed partial class ReplyReader : IEpollHandler
{
    private readonly TaskCompletionSource _loopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Runtime.InteropServices.SafeHandle? _handle;
    private ulong _registration;
    private bool _registered; // role holder only
    private int _armed;
    private bool _loopReading; // role holder only: replies read now are the loop's to hold

    /// <summary>The loop's role holder: arm the socket, or, once the connection closed, leave for good.</summary>
    private void WakeLoop()
    {
        if (_pending.IsClosed)
        {
            ExitLoop();
            return;
        }
        Arm();
    }

    private void Arm()
    {
        Volatile.Write(ref _armed, 1);
        bool armed;
        try
        {
            if (_registered)
            {
                armed = ClientEventLoop.Shared.Modify(_handle!, _registration, Libc.EPOLLIN | Libc.EPOLLONESHOT);
            }
            else
            {
                _registration = ClientEventLoop.Shared.Add(_handle!, Libc.EPOLLIN | Libc.EPOLLONESHOT, this);
                _registered = armed = true;
            }
        }
        catch (IOException)
        {
            armed = false;
        }
        if (!armed)
        {
            // The socket is gone (closed under us) or epoll refused it: nobody can read any more.
            Volatile.Write(ref _armed, 0);
            _connection.Close(new RpcException(RpcStatus.ConnectionLost, $"the connection to {_connection.RemoteEndPoint} cannot be watched any more"));
            ExitLoop();
        }
    }

    /// <summary>Keeping the role for good (the connection is closed): unregister, report completion.</summary>
    private void ExitLoop()
    {
        if (_registered)
        {
            _registered = false;
            ClientEventLoop.Shared.Remove(_handle!, _registration);
        }
        _decoder.Dispose();
        _loopDone.TrySetResult();
    }

    /// <summary>Loop thread: the socket is readable (or hung up) and was armed by the role holder.</summary>
    public void OnEvents(uint events)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 0)
        {
            return; // a hang-up reported while nobody armed: whoever arms next sees it again
        }
        RpcException? error = null;
        _loopReading = true;
        try
        {
            for (int reads = 0; reads < 16; reads++)
            {
                Memory<byte> space = ReceiveSpace();
                int received = Libc.TryReceive(_handle!, space.Span, out int errno);
                if (received > 0)
                {
                    OnReceived(received);
                    if (received < space.Length)
                    {
                        break; // a short read: the socket is (very likely) empty; arming again tells
                    }
                    continue;
                }
                if (received == 0)
                {
                    error = _connection.ServerClosed();
                }
                else if (errno != Libc.EAGAIN)
                {
                    error = new RpcException(RpcStatus.ConnectionLost,
                        $"the connection to {_connection.RemoteEndPoint} failed: errno {errno}", new System.Net.Sockets.SocketException(errno));
                }
                break;
            }
        }
        catch (RpcException e)
        {
            error = e; // MessageTooLarge from the decoder
        }
        catch (ObjectDisposedException e)
        {
            error = new RpcException(RpcStatus.ConnectionLost, $"the connection to {_connection.RemoteEndPoint} failed: {e.Message}", e);
        }
        finally
        {
            _loopReading = false;
        }
        if (error is not null)
        {
            _connection.Close(error);
        }
        PendingCall? held = _role.TakeHeld();
        PumpStep step = _role.NextPumpStep(_pending);
        if (step == PumpStep.Park)
        {
            if (held is not null)
            {
                ClientEventLoop.Shared.RunAfterBatch(held);
            }
            return;
        }
        held?.Publish(inline: false);
        if (step == PumpStep.Exit)
        {
            ExitLoop();
        }
        else
        {
            Arm();
        }
    }

    /// <summary>After a close: an armed loop gets a look now (it finds the table closed and exits),
    /// should the socket's hang-up not reach it.</summary>
    public void NudgeLoop()
    {
        if (_handle is not null)
        {
            ClientEventLoop.Shared.Post(this);
        }
    }

    public void OnPosted() => OnEvents(0);
}
