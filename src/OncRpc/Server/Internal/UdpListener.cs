using System.Net;
using System.Net.Sockets;
using OncRpc.Diagnostics;
using OncRpc.Diagnostics.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// A UDP end point: each datagram is one call, answered to the sender's address. At most
/// <see cref="RpcServerOptions.MaxConcurrentUdpCalls"/> run at once; at the limit the loop stops
/// receiving and the kernel's buffer absorbs or drops the excess, as UDP allows. A reply larger
/// than <see cref="RpcServerOptions.MaxUdpDatagramSize"/> is replaced by SYSTEM_ERR, so the
/// client learns at once instead of retransmitting into a timeout.
/// </summary>
internal sealed class UdpListener : IUdpEndPoint, ICallSite
{
    private readonly RpcServerRuntime _runtime;
    private readonly Socket _socket;
    private readonly SemaphoreSlim _slots;
    private readonly InFlightTracker _inFlight = new();
    private readonly byte[] _receiveBuffer;
    private readonly int _maxDatagram;
    private Task _receiveLoop = Task.CompletedTask;

    public UdpListener(RpcServerRuntime runtime, Socket socket)
    {
        _runtime = runtime;
        _socket = socket;
        _maxDatagram = runtime.Options.MaxUdpDatagramSize;
        // One byte more than the limit: a datagram that fills it was (at least) too large.
        _receiveBuffer = GC.AllocateUninitializedArray<byte>(_maxDatagram + 1);
        _slots = new SemaphoreSlim(runtime.Options.MaxConcurrentUdpCalls, runtime.Options.MaxConcurrentUdpCalls);
        LocalEndPoint = socket.LocalEndPoint!;
    }

    public EndPoint LocalEndPoint { get; }

    public void Start(CancellationToken stopping) => _receiveLoop = ReceiveLoopAsync(stopping);

    private async Task ReceiveLoopAsync(CancellationToken stopping)
    {
        ServerLog.Listening(_runtime.Logger, RpcTransportKind.Udp, LocalEndPoint);
        AddressFamily family = LocalEndPoint.AddressFamily;
        var received = new SocketAddress(family, SocketAddress.GetMaximumAddressSize(family));
        var peers = new UdpPeerCache(family);
        while (true)
        {
            if (!_slots.Wait(0))
            {
                Volatile.Write(ref _waitingForSlot, true);
                try
                {
                    await _slots.WaitAsync(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                finally
                {
                    Volatile.Write(ref _waitingForSlot, false);
                }
            }
            int length;
            try
            {
                length = await _socket.ReceiveFromAsync(_receiveBuffer, SocketFlags.None, received, stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException
                || (e is SocketException && stopping.IsCancellationRequested))
            {
                _slots.Release();
                return;
            }
            catch (SocketException e)
            {
                _slots.Release();
                // ICMP errors from earlier sends surface here (ConnectionReset); not our problem.
                if (e.SocketErrorCode is not (SocketError.ConnectionReset or SocketError.MessageSize))
                {
                    ServerLog.ReceiveFailed(_runtime.Logger, e, RpcTransportKind.Udp, LocalEndPoint);
                    await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
                }
                continue;
            }
            long firstByte = ServerPhases.Timestamp();
            EndPoint peer = peers.Get(received);
            if (length > _maxDatagram)
            {
                ServerLog.DatagramTooLarge(_runtime.Logger, length, peer);
                _slots.Release();
                continue;
            }
            RpcCall call = _runtime.Calls.Begin(this, RpcTransportKind.Udp, 0, _runtime.AbortToken, peer, firstByte);
            call.SetPeerAddress(received);
            call.SetRequest(_receiveBuffer.AsSpan(0, length));
            if (_runtime.Calls.Run(call))
            {
                await ReplyInlineAsync(call).ConfigureAwait(false);
            }
        }
    }

    public InFlightTracker InFlight => _inFlight;

    public bool PausedAtCallLimit => Volatile.Read(ref _waitingForSlot);

    private bool _waitingForSlot; // the receive loop waits for a call slot (tests observe it)

    /// <summary>The reply of a call that completed while the loop waited.</summary>
    private async ValueTask ReplyInlineAsync(RpcCall call)
    {
        try
        {
            if (call.HasReply)
            {
                await SendLateReplyAsync(call).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            ServerLog.SendFailed(_runtime.Logger, e, call.RemoteEndPoint);
        }
        finally
        {
            _runtime.Calls.End(call);
        }
    }

    public async ValueTask SendLateReplyAsync(RpcCall call) =>
        await _socket.SendToAsync(_runtime.Calls.FinishDatagram(call, _maxDatagram), SocketFlags.None, call.PeerAddress!,
            _runtime.AbortToken).ConfigureAwait(false);

    public void OnCallEnded() => _slots.Release();

    /// <summary>Waits for the receive loop (already told to stop) and the calls in flight.</summary>
    public async Task DrainAsync()
    {
        await _receiveLoop.ConfigureAwait(false);
        await _inFlight.WaitForDrainAsync().ConfigureAwait(false);
    }

    public void Close() => _socket.Dispose();
}
