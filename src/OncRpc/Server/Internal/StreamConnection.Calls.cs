using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using OncRpc.Diagnostics;
using OncRpc.Transport;

namespace OncRpc.Server.Internal;

internal sealed partial class StreamConnection
{
    /// <summary>Reads records until the stream ends, fails or the server stops reading; returns
    /// why it ended.</summary>
    private async Task<string> ReadLoopAsync()
    {
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _reader.ReadAsync(_readingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return "server stopping";
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                return "connection error: " + e.Message;
            }
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            ReadOnlySequence<byte> buffer = result.Buffer;
            try
            {
                while (_decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record))
                {
                    // Backpressure: at the limit, wait for a call to finish before reading on.
                    if (!_callSlots.Wait(0))
                    {
                        try
                        {
                            await _callSlots.WaitAsync(_readingToken).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            return "server stopping";
                        }
                    }
                    // A single-fragment record is a slice of the pipe's buffer, which is reused
                    // once we advance: the call gets its own copy.
                    RpcCall call = _runtime.RentCall(_transport, RecordMarking.HeaderSize, _callsToken);
                    call.RemoteEndPoint = RemoteEndPoint;
                    call.SetRequest(record);
                    _inFlight.Increment();
                    _ = ProcessCallAsync(call);
                }
            }
            catch (RpcException e) when (e.Status == RpcStatus.MessageTooLarge)
            {
                // The stream cannot be resynchronised past a record we refuse to read.
                ServerLog.RecordTooLarge(_runtime.Logger, RemoteEndPoint, e.Message);
                return "record too large";
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                if (_decoder.HasPartialRecord || buffer.Length > 0)
                {
                    ServerLog.TruncatedRecord(_runtime.Logger, RemoteEndPoint);
                }
                return result.IsCanceled ? "server stopping" : "end of stream";
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Runs one call and sends its reply; started without awaiting, so calls of the
    /// connection run concurrently. Completes synchronously when the handler and the send do.</summary>
    private async Task ProcessCallAsync(RpcCall call)
    {
        try
        {
            await _runtime.ProcessAsync(call).ConfigureAwait(false);
            if (call.HasReply && !_callsToken.IsCancellationRequested)
            {
                await SendAsync(call.FinishStreamRecord()).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            ServerLog.SendFailed(_runtime.Logger, e, RemoteEndPoint);
        }
        finally
        {
            _runtime.ReturnCall(call);
            _callSlots.Release();
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            _inFlight.Decrement();
        }
    }

    /// <summary>Sends one whole record under the connection's write lock, so the records of
    /// concurrent replies never interleave. A failed or cancelled send may have sent part of the
    /// record: the connection is then unusable and is closed.</summary>
    private async ValueTask SendAsync(ReadOnlyMemory<byte> record)
    {
        if (!_writeLock.Wait(0))
        {
            try
            {
                await _writeLock.WaitAsync(_callsToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        try
        {
            Volatile.Write(ref _sendStarted, Environment.TickCount64);
            await _socket.SendAsync(record, SocketFlags.None, _callsToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            ServerLog.SendFailed(_runtime.Logger, e, RemoteEndPoint);
            Abort();
        }
        finally
        {
            Volatile.Write(ref _sendStarted, 0);
            _writeLock.Release();
        }
    }
}
