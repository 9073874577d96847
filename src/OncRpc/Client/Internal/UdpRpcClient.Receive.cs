using System.Buffers;
using System.Net.Sockets;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// The <see cref="ReaderRole"/> over the datagram socket, as on stream connections (ReplyReader):
/// a synchronous caller that finds it free receives on its own thread; otherwise an async pump
/// receives, only while calls are pending. The table's timer keeps retransmitting meanwhile.
/// </summary>
internal sealed partial class UdpRpcClient
{
    private readonly byte[] _receiveBuffer; // only the role holder touches it; one byte more than a datagram may be
    private readonly int _maxDatagram;
    private readonly ReaderRole _reader;
    private readonly LoopReader? _loop; // the async reader on Linux; otherwise the pump
    private Task _pump = Task.CompletedTask;

    /// <summary>The event loop's reader of the socket, when it has one (for tests).</summary>
    internal LoopReader? Loop => _loop;

    // Set before the first async operation on the socket (see StreamConnection.IsAsyncMode and ReaderRole H5).
    private volatile bool _usedAsync;

    private void EnsureReader() => _reader.EnsureReader();

    private void WaitForReply(PendingCall call) => _reader.WaitForReply(call, this, _pending);

    /// <inheritdoc/>
    public bool ReceiveOnce(int waitMs)
    {
        try
        {
            int received;
            SocketError status;
            if (!_usedAsync)
            {
                // Still a blocking socket (see ReplyReader.ReceiveOnce): one recv bounded by
                // SO_RCVTIMEO; an ICMP error comes back from it as ECONNREFUSED at once.
                received = Libc.Receive(_socket.SafeHandle, _receiveBuffer.AsSpan(0, _maxDatagram), out status);
            }
            else
            {
                // An ICMP error pending on the socket is POLLERR without POLLIN, which a read poll
                // does not report: look for it when the slice ends quietly.
                if (!_socket.Poll(waitMs * 1000, SelectMode.SelectRead) && !_socket.Poll(0, SelectMode.SelectError))
                {
                    return true;
                }
                received = Libc.Receive(_socket.SafeHandle, _receiveBuffer.AsSpan(0, _maxDatagram), out status);
            }
            if (status is SocketError.WouldBlock or SocketError.TimedOut)
            {
                return true;
            }
            if (status == SocketError.Success)
            {
                Dispatch(received);
            }
            else
            {
                OnReceiveError(new SocketException((int)status));
            }
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false; // disposed while waiting: Dispose closed the table, failing the call
        }
    }

    /// <summary>The async reader: one loop per client, parked while nobody needs it (see
    /// <see cref="ReaderRole"/>), receiving only while calls are pending; exits once disposed.</summary>
    private async Task PumpAsync()
    {
        while (true)
        {
            await _reader.ParkAsync().ConfigureAwait(false);
            for (PumpStep step; (step = _reader.NextPumpStep(_pending)) != PumpStep.Park;)
            {
                if (step == PumpStep.Exit)
                {
                    return;
                }
                int received;
                _usedAsync = true;
                try
                {
                    received = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(0, _maxDatagram), SocketFlags.None, _closingToken).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    OnReceiveError(e);
                    continue;
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
                {
                    return;
                }
                Dispatch(received);
            }
        }
    }

    /// <summary>The event loop, holding the role: the datagrams waiting (an ICMP error among them
    /// fails the calls as in the pump), without blocking, up to a bound, and only while calls are
    /// pending: a datagram left behind then answers nobody, and the reply to a call made later
    /// arrives after it with an edge of its own, so stopping there spares the receive that would
    /// find the socket empty.</summary>
    bool ILoopSocketReader.ReadAvailable(bool toTheEnd)
    {
        try
        {
            for (int i = 0; i < 16 && !_pending.IsClosed; i++)
            {
                if (i > 0 && _pending.Count == 0 && !toTheEnd)
                {
                    return true;
                }
                int received = Libc.TryReceive(_socket.SafeHandle, _receiveBuffer, out int errno);
                if (received > _maxDatagram)
                {
                    continue; // too large for us: dropped, as a receive into a buffer of the limit would be
                }
                if (received >= 0)
                {
                    Dispatch(received);
                    continue;
                }
                if (errno != Libc.EAGAIN)
                {
                    OnReceiveError(Libc.SocketError(errno)); // as the blocking reader's Libc.Receive reports it
                }
                return true;
            }
            return _pending.IsClosed;
        }
        catch (ObjectDisposedException)
        {
            return true; // disposed: the table is closed, the loop lets go
        }
    }

    private void Dispatch(int received)
    {
        // A datagram that is not a reply to a pending call (a CALL included: no callbacks over
        // UDP) is dropped.
        if (_pending.Dispatch(new ReadOnlySequence<byte>(_receiveBuffer, 0, received), _loop is { IsReading: true } ? _reader : null) != DispatchOutcome.Completed)
        {
            ClientTelemetry.DroppedReplies.Add(1);
            ClientLog.DroppedReply(Logger, _endPoint);
        }
    }

    private void OnReceiveError(SocketException e)
    {
        switch (e.SocketErrorCode)
        {
            case SocketError.ConnectionRefused:
                // ICMP port unreachable for an earlier datagram: nobody listens there (clnt_dg's RPC_CANTRECV).
                _pending.FailAll(RpcStatus.CannotBind, $"{_endPoint} is unreachable (ICMP port unreachable)", e);
                break;
            case SocketError.MessageSize or SocketError.ConnectionReset or SocketError.WouldBlock:
                break; // an oversize datagram is dropped, like any reply we cannot read
            default:
                ClientLog.ReceiveFailed(Logger, _endPoint, e);
                _pending.FailAll(RpcStatus.ConnectionLost, $"receiving from {_endPoint} failed: {e.Message}", e);
                break;
        }
    }
}
