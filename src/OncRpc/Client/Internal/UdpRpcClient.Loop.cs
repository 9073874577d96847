using System.Net.Sockets;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// The async reader of the datagram socket on Linux: the client's event loop, as for stream
/// connections (ReplyReader.Loop.cs, whose invariant this follows: armed one-shot only by the role
/// holder, one handler per arming, an awaited call's reply published inline once the loop gave
/// the role up).
/// </summary>
internal sealed partial class UdpRpcClient : IEpollHandler
{
    private const int ConnectionRefusedErrno = 111; // ECONNREFUSED: ICMP port unreachable for a datagram we sent
    private readonly TaskCompletionSource _loopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Runtime.InteropServices.SafeHandle? _handle;
    private ulong _registration;
    private bool _registered; // role holder only
    private int _armed;
    private bool _loopReading; // role holder only

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
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            armed = false;
        }
        if (!armed)
        {
            Volatile.Write(ref _armed, 0);
            _pending.Close(new RpcException(RpcStatus.ConnectionLost, $"the socket for {_endPoint} cannot be watched any more"));
            ExitLoop();
        }
    }

    private void ExitLoop()
    {
        if (_registered)
        {
            _registered = false;
            ClientEventLoop.Shared.Remove(_handle!, _registration);
        }
        _loopDone.TrySetResult();
    }

    /// <summary>On dispose: an armed loop gets a look now (it finds the table closed and exits).</summary>
    private void NudgeLoop()
    {
        if (_handle is not null)
        {
            ClientEventLoop.Shared.Post(this);
        }
    }

    public void OnPosted() => OnEvents(0);

    /// <summary>Loop thread: datagrams (or an ICMP error) are waiting, and the role holder armed us.</summary>
    public void OnEvents(uint events)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 0)
        {
            return;
        }
        _loopReading = true;
        try
        {
            for (int i = 0; i < 16 && !_pending.IsClosed; i++)
            {
                int received = Libc.TryReceive(_handle!, _receiveBuffer, out int errno);
                if (received > _maxDatagram)
                {
                    continue; // too large for us: dropped, as a receive into a smaller buffer would
                }
                if (received >= 0)
                {
                    Dispatch(received);
                    continue;
                }
                if (errno != Libc.EAGAIN)
                {
                    OnReceiveError(errno == ConnectionRefusedErrno
                        ? new SocketException((int)SocketError.ConnectionRefused)
                        : new SocketException((int)SocketError.SocketError));
                }
                break;
            }
        }
        catch (ObjectDisposedException)
        {
            // Disposed: the table is closed, the step below exits.
        }
        finally
        {
            _loopReading = false;
        }
        PendingCall? held = _reader.TakeHeld();
        PumpStep step = _reader.NextPumpStep(_pending);
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
}
