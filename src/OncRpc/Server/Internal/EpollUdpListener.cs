using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using OncRpc.Diagnostics;
using OncRpc.Diagnostics.Internal;
using OncRpc.Protocol;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// A UDP end point served by an <see cref="EpollLoop"/>: the loop thread receives the datagrams
/// waiting (a bounded number per wake-up), runs each call and answers the synchronous ones at
/// once; handlers that await answer from where they finish. At most
/// <see cref="RpcServerOptions.MaxConcurrentUdpCalls"/> run at once: at the limit the loop stops
/// receiving and the kernel's buffer absorbs or drops the excess, as UDP allows. A reply larger
/// than <see cref="RpcServerOptions.MaxUdpDatagramSize"/> becomes SYSTEM_ERR.
/// </summary>
internal sealed class EpollUdpListener : IUdpEndPoint, IEpollHandler, ICallSite
{
    private const int DatagramsPerWakeUp = 64;
    private readonly RpcServerRuntime _runtime;
    private readonly Socket _socket;
    private readonly SafeSocketHandle _handle;
    private readonly EpollLoop _loop;
    private readonly InFlightTracker _inFlight = new();
    private readonly byte[] _receiveBuffer;
    private readonly int _maxDatagram;
    private readonly int _maxCalls;
    private readonly SocketAddress _received;
    private readonly UdpPeerCache _peers;
    private readonly Lock _gate = new();
    private ulong _registration;
    private bool _receiving;   // guarded by _gate: EPOLLIN is in the interest set
    private volatile bool _stopped;

    public EpollUdpListener(RpcServerRuntime runtime, EpollLoop loop, Socket socket)
    {
        _runtime = runtime;
        _loop = loop;
        _socket = socket;
        _handle = socket.SafeHandle;
        _maxDatagram = runtime.Options.MaxUdpDatagramSize;
        _maxCalls = runtime.Options.MaxConcurrentUdpCalls;
        // One byte more than the limit: a datagram that fills it was (at least) too large.
        _receiveBuffer = GC.AllocateUninitializedArray<byte>(_maxDatagram + 1);
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
        for (int i = 0; i < DatagramsPerWakeUp && !_stopped; i++)
        {
            if (_inFlight.Count >= _maxCalls)
            {
                SetReceiving(false);
                if (_inFlight.Count < _maxCalls)
                {
                    SetReceiving(true); // a call finished meanwhile
                }
                return;
            }
            int length = Receive(out int errno);
            if (length < 0)
            {
                if (errno is not (Libc.EAGAIN or 111 /* ECONNREFUSED: an ICMP error for an earlier reply */))
                {
                    ServerLog.ReceiveFailed(_runtime.Logger, new SocketException(errno), RpcTransportKind.Udp, LocalEndPoint);
                }
                return;
            }
            long firstByte = ServerPhases.Timestamp();
            EndPoint peer = _peers.Get(_received);
            if (length > _maxDatagram)
            {
                ServerLog.DatagramTooLarge(_runtime.Logger, length, peer);
                continue;
            }
            RunCall(peer, length, firstByte);
        }
    }

    public void OnPosted() => SetReceiving(true);

    private unsafe int Receive(out int errno)
    {
        Memory<byte> address = _received.Buffer;
        int addressLength = address.Length;
        fixed (byte* buffer = _receiveBuffer)
        fixed (byte* addressBytes = address.Span)
        {
            nint n;
            do
            {
                addressLength = address.Length;
                n = Libc.RecvFrom(_handle, buffer, _receiveBuffer.Length, Libc.MSG_DONTWAIT, addressBytes, &addressLength);
            }
            while (Libc.Interrupted(n, out errno));
            if (n >= 0)
            {
                _received.Size = addressLength;
            }
            return (int)n;
        }
    }

    private void RunCall(EndPoint peer, int length, long firstByte)
    {
        RpcCall call = _runtime.Calls.Begin(this, RpcTransportKind.Udp, 0, _runtime.AbortToken, peer, firstByte);
        call.SetPeerAddress(_received);
        call.SetRequest(_receiveBuffer.AsSpan(0, length));
        if (!_runtime.Calls.Run(call))
        {
            return; // answered from where the handler finishes (SendLateReplyAsync)
        }
        try
        {
            if (call.HasReply)
            {
                SendTo(call);
            }
        }
        finally
        {
            _runtime.Calls.End(call);
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

    /// <summary>Never blocks: when the socket's send buffer is full the reply is dropped, as the
    /// network could drop it; the client retransmits (RFC 5531 leaves UDP reliability to it).</summary>
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
                    ServerLog.SendFailed(_runtime.Logger, new SocketException(errno), call.RemoteEndPoint);
                }
            }
            catch (ObjectDisposedException)
            {
                // Closed by a stop: nobody to answer.
            }
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
