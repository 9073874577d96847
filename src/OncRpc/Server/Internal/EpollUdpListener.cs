using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using OncRpc.Diagnostics;
using OncRpc.Diagnostics.Internal;
using OncRpc.Protocol;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// A UDP end point served by an <see cref="EpollLoop"/>: on each wake-up the loop thread receives
/// the datagrams waiting (a bounded number), runs each call, and sends the synchronous replies of
/// what it received together; handlers that await answer from where they finish (one <c>sendto</c>
/// each). A backlog is taken in batches (<see cref="DatagramBatch"/>: one <c>recvmmsg</c>, the
/// replies by one <c>sendmmsg</c>), a lone datagram alone (<c>recvfrom</c>/<c>sendto</c>, cheaper
/// for one): the batch size doubles after a full batch and falls to what came after a short one.
/// At most <see cref="RpcServerOptions.MaxConcurrentUdpCalls"/> run at once: a batch never asks
/// for more datagrams than the calls left under the limit, and at the limit the loop stops
/// receiving and the kernel's buffer absorbs or drops the excess, as UDP allows. A reply larger
/// than <see cref="RpcServerOptions.MaxUdpDatagramSize"/> becomes SYSTEM_ERR.
/// </summary>
internal sealed class EpollUdpListener : IUdpEndPoint, IEpollHandler, ICallSite
{
    /// <summary>Datagrams per <c>recvmmsg</c> at most: as many as 16 client threads keep waiting, at
    /// 16 x (<see cref="RpcServerOptions.MaxUdpDatagramSize"/> + 1) bytes of buffers (see <see cref="DatagramBatch"/>).</summary>
    private const int BatchSize = 16;

    /// <summary>Datagrams per wake-up at most, so the loop's other sockets wait little.</summary>
    private const int DatagramsPerWakeUp = 64;

    /// <summary>Wake-ups without a speculative receive after one found nothing.</summary>
    private const int SpeculationPause = 8;

    private readonly RpcServerRuntime _runtime;
    private readonly Socket _socket;
    private readonly SafeSocketHandle _handle;
    private readonly EpollLoop _loop;
    private readonly InFlightTracker _inFlight = new();
    private readonly DatagramBatch _batch;
    private readonly RpcCall?[] _replying = new RpcCall?[BatchSize]; // the calls of the batch's replies, in order
    private readonly int _maxDatagram;
    private readonly int _maxCalls;
    private readonly SocketAddress _received;
    private readonly UdpPeerCache _peers;
    private readonly Lock _gate = new();
    private ulong _registration;
    private bool _receiving;   // guarded by _gate: EPOLLIN is in the interest set
    private volatile bool _stopped;

    // Loop thread only. How many datagrams the next receive asks for: doubled after a full batch,
    // the last batch's size after a short one, so a lone datagram is received alone (recvfrom) and
    // a backlog by batches. And how many more wake-ups stop at a short batch instead of receiving
    // once more: a short batch says the socket was empty before the batch's calls ran, yet a client
    // on the same CPU (run while the reply was sent) may have sent its next call meanwhile; a
    // receive that finds nothing pauses that guess for a while.
    private int _wanted = 1;
    private int _skipSpeculation;

    public EpollUdpListener(RpcServerRuntime runtime, EpollLoop loop, Socket socket)
    {
        _runtime = runtime;
        _loop = loop;
        _socket = socket;
        _handle = socket.SafeHandle;
        _maxDatagram = runtime.Options.MaxUdpDatagramSize;
        _maxCalls = runtime.Options.MaxConcurrentUdpCalls;
        // One byte more than the limit: a datagram that fills its slot was (at least) too large.
        _batch = new DatagramBatch(BatchSize, _maxDatagram + 1);
        LocalEndPoint = socket.LocalEndPoint!;
        AddressFamily family = LocalEndPoint.AddressFamily;
        _received = new SocketAddress(family, SocketAddress.GetMaximumAddressSize(family));
        _peers = new UdpPeerCache(family);
    }

    public EndPoint LocalEndPoint { get; }

    public void Start(CancellationToken stopping)
    {
        ServerLog.Listening(_runtime.Logger, RpcTransportKind.Udp, LocalEndPoint);
        lock (_gate)
        {
            _receiving = true;
            _registration = _loop.Add(_handle, Libc.EPOLLIN, this);
        }
        stopping.UnsafeRegister(static s => ((EpollUdpListener)s!).StopReceiving(), this);
    }

    private void StopReceiving()
    {
        _stopped = true;
        lock (_gate)
        {
            _receiving = false;
            _loop.Remove(_handle, _registration);
        }
    }

    public void OnEvents(uint events)
    {
        bool speculative = false;
        for (int budget = DatagramsPerWakeUp; budget > 0 && !_stopped;)
        {
            int room = _maxCalls - _inFlight.Count;
            if (room <= 0)
            {
                SetReceiving(false);
                if (_inFlight.Count < _maxCalls)
                {
                    SetReceiving(true); // a call finished meanwhile
                }
                return;
            }
            int wanted = Math.Min(Math.Min(_wanted, room), budget);
            int received = _batch.Receive(_handle, wanted, out int errno);
            if (received < 0)
            {
                if (speculative && errno == Libc.EAGAIN)
                {
                    _skipSpeculation = SpeculationPause;
                }
                if (errno is not (Libc.EAGAIN or Libc.ECONNREFUSED /* an ICMP error for an earlier reply */))
                {
                    ServerLog.ReceiveFailed(_runtime.Logger, new SocketException(errno), RpcTransportKind.Udp, LocalEndPoint);
                }
                return;
            }
            RunBatch(received);
            budget -= received;
            // A lone datagram found by a speculative receive says nothing of a backlog: stay at one.
            _wanted = received < wanted ? Math.Max(received, 1) : speculative && wanted == 1 ? 1 : Math.Min(2 * wanted, BatchSize);
            if (received == wanted && wanted > 1)
            {
                speculative = false; // a full batch: more are likely waiting
            }
            else if (_skipSpeculation > 0)
            {
                _skipSpeculation--;
                return; // the socket was empty, or seemed so; epoll says when it is not
            }
            else
            {
                speculative = true;
            }
        }
    }

    public void OnPosted() => SetReceiving(true);

    /// <summary>Runs the calls of the <paramref name="count"/> datagrams received, then sends the
    /// synchronous replies together and ends those calls.</summary>
    private void RunBatch(int count)
    {
        long firstByte = ServerPhases.Timestamp();
        int replies = 0;
        try
        {
            for (int i = 0; i < count; i++)
            {
                _batch.CopySender(i, _received);
                EndPoint peer = _peers.Get(_received);
                int length = _batch.Length(i);
                if (length > _maxDatagram)
                {
                    ServerLog.DatagramTooLarge(_runtime.Logger, length, peer);
                    continue;
                }
                RpcCall call = _runtime.Calls.Begin(this, RpcTransportKind.Udp, 0, _runtime.AbortToken, peer, firstByte);
                call.SetPeerAddress(_received);
                call.SetRequest(_batch.Datagram(i));
                if (!_runtime.Calls.Run(call))
                {
                    continue; // answered from where the handler finishes (SendLateReplyAsync)
                }
                if (!call.HasReply)
                {
                    _runtime.Calls.End(call);
                    continue;
                }
                _replying[replies++] = call;
                _batch.AddReply(i, _runtime.Calls.FinishDatagram(call, _maxDatagram).Span);
            }
        }
        finally
        {
            SendReplies(replies);
        }
    }

    private void SendReplies(int count)
    {
        try
        {
            if (count > 0 && _batch.SendReplies(_handle) > 0)
            {
                for (int j = 0; j < count; j++)
                {
                    int errno = _batch.ReplyError(j);
                    if (errno != 0)
                    {
                        LogSendFailed(errno, _replying[j]!.RemoteEndPoint);
                    }
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed by a stop: nobody to answer.
        }
        finally
        {
            for (int j = 0; j < count; j++)
            {
                RpcCall call = _replying[j]!;
                _replying[j] = null;
                _runtime.Calls.End(call);
            }
        }
    }

    public InFlightTracker InFlight => _inFlight;

    public bool PausedAtCallLimit => !Volatile.Read(ref _receiving) && !_stopped && _inFlight.Count >= _maxCalls;

    public ValueTask SendLateReplyAsync(RpcCall call)
    {
        SendTo(call);
        return ValueTask.CompletedTask;
    }

    public void OnCallEnded()
    {
        if (!Volatile.Read(ref _receiving) && !_stopped)
        {
            _loop.Post(this);
        }
    }

    /// <summary>A late reply, from the thread its handler finished on. Never blocks: when the
    /// socket's send buffer is full the reply is dropped (<see cref="LogSendFailed"/>).</summary>
    private unsafe void SendTo(RpcCall call)
    {
        ReadOnlySpan<byte> datagram = _runtime.Calls.FinishDatagram(call, _maxDatagram).Span;
        SocketAddress to = call.PeerAddress!;
        fixed (byte* data = datagram)
        fixed (byte* address = to.Buffer.Span)
        {
            try
            {
                nint n;
                int errno;
                do
                {
                    n = Libc.SendTo(_handle, data, datagram.Length, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL, address, to.Size);
                }
                while (Libc.Interrupted(n, out errno));
                if (n < 0)
                {
                    LogSendFailed(errno, call.RemoteEndPoint);
                }
            }
            catch (ObjectDisposedException)
            {
                // Closed by a stop: nobody to answer.
            }
        }
    }

    /// <summary>A reply the socket refused is dropped, as the network could drop it: the client
    /// retransmits (RFC 5531 leaves UDP reliability to it). Logged at debug level only, without
    /// building the exception when nobody reads it (a full send buffer refuses many).</summary>
    private void LogSendFailed(int errno, EndPoint? peer)
    {
        if (_runtime.Logger.IsEnabled(LogLevel.Debug))
        {
            ServerLog.SendFailed(_runtime.Logger, new SocketException(errno), peer);
        }
    }

    private void SetReceiving(bool receiving)
    {
        lock (_gate)
        {
            if (_stopped || _receiving == receiving)
            {
                return;
            }
            _receiving = receiving;
            _loop.Modify(_handle, _registration, receiving ? Libc.EPOLLIN : 0);
        }
    }

    public async Task DrainAsync()
    {
        await _inFlight.WaitForDrainAsync().ConfigureAwait(false);
    }

    public void Close() => _socket.Dispose();
}
