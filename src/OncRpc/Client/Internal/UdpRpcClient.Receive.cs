using System.Buffers;
using System.Net.Sockets;

namespace OncRpc.Client.Internal;

/// <summary>
/// The reader role over the datagram socket, as on stream connections (StreamConnection.Read.cs):
/// a synchronous caller that finds it free receives on its own thread; otherwise an async pump
/// receives, only while calls are pending. The table's timer keeps retransmitting meanwhile.
/// </summary>
internal sealed partial class UdpRpcClient
{
    private const int Idle = 0;
    private const int AsyncPump = 1;
    private const int SyncReader = 2;

    private readonly byte[] _receiveBuffer; // only the role holder touches it
    private int _reader;
    private Task _pump = Task.CompletedTask;

    private void EnsureReader()
    {
        if (Volatile.Read(ref _reader) == Idle && Interlocked.CompareExchange(ref _reader, AsyncPump, Idle) == Idle)
        {
            _pump = PumpAsync();
        }
    }

    private void WaitForReply(PendingCall call)
    {
        while (!call.IsSignaled)
        {
            if (Volatile.Read(ref _reader) == Idle && Interlocked.CompareExchange(ref _reader, SyncReader, Idle) == Idle)
            {
                ReadUntil(call);
            }
            call.WaitSignaled(StreamConnection.SliceMilliseconds);
        }
    }

    private void ReadUntil(PendingCall call)
    {
        try
        {
            while (!call.IsSignaled && !_pending.IsClosed)
            {
                long now = Environment.TickCount64;
                if (now >= call.DeadlineTicks)
                {
                    _pending.TryTimeOut(call);
                    break;
                }
                int waitMs = (int)Math.Clamp(call.DeadlineTicks - now, 1, StreamConnection.SliceMilliseconds);
                // An ICMP error pending on the socket is POLLERR without POLLIN, which a read poll
                // does not report: look for it when the slice ends quietly.
                if (!_socket.Poll(waitMs * 1000, SelectMode.SelectRead) && !_socket.Poll(0, SelectMode.SelectError))
                {
                    continue;
                }
                int received = _socket.Receive(_receiveBuffer, SocketFlags.None, out SocketError status);
                if (status == SocketError.Success)
                {
                    Dispatch(received);
                }
                else
                {
                    OnReceiveError(new SocketException((int)status));
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Disposed while polling: Dispose closed the table, failing the call.
        }
        Volatile.Write(ref _reader, Idle);
        if (_pending.Count > 0)
        {
            EnsureReader();
        }
    }

    private async Task PumpAsync()
    {
        while (true)
        {
            if (_pending.Count == 0)
            {
                Volatile.Write(ref _reader, Idle);
                // A call added after the count was read may have seen the role held: take it back.
                if (_pending.Count == 0 || Interlocked.CompareExchange(ref _reader, AsyncPump, Idle) != Idle)
                {
                    return;
                }
            }
            int received;
            try
            {
                received = await _socket.ReceiveAsync(_receiveBuffer, SocketFlags.None, _closingToken).ConfigureAwait(false);
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

    private void Dispatch(int received)
    {
        if (!_pending.Dispatch(new ReadOnlySequence<byte>(_receiveBuffer, 0, received)))
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
