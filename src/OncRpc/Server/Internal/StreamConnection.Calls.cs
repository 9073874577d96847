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
            Volatile.Write(ref _lastActivity, _runtime.NowMs);
            ReadOnlySequence<byte> buffer = result.Buffer;
            _recordTiming.Arrived();
            bool startTls = false;
            try
            {
                while (_decoder.TryDecode(ref buffer, out ReadOnlySequence<byte> record))
                {
                    if (RouteReply(record))
                    {
                        continue; // a backchannel reply: needs no call slot
                    }
                    long firstByte = _recordTiming.Take(out long complete);
                    // Backpressure: at the limit, wait for a call to finish before reading on
                    // (sending what is batched first: those replies must not wait on it).
                    if (!_callSlots.Wait(0))
                    {
                        await FlushBatchAsync().ConfigureAwait(false);
                        _waitingForSlot = true;
                        try
                        {
                            await _callSlots.WaitAsync(_readingToken).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            return "server stopping";
                        }
                        finally
                        {
                            _waitingForSlot = false;
                        }
                    }
                    RpcCall call = _runtime.Calls.Begin(this, _transport, record, _callsToken, RemoteEndPoint, firstByte, complete);
                    // A call that awaits finishes on its own (SendLateReplyAsync): the loop reads
                    // on, so calls run concurrently.
                    if (_runtime.Calls.Run(call))
                    {
                        startTls = call.StartsTls;
                        await ReplyFromReadLoopAsync(call).ConfigureAwait(false);
                        if (startTls)
                        {
                            break;
                        }
                    }
                }
                await FlushBatchAsync().ConfigureAwait(false);
                if (buffer.IsEmpty && !_decoder.HasPartialRecord)
                {
                    _recordTiming.Idle();
                }
            }
            catch (RpcException e) when (e.Status == RpcStatus.MessageTooLarge)
            {
                // The stream cannot be resynchronised past a record we refuse to read.
                ServerLog.RecordTooLarge(_runtime.Logger, RemoteEndPoint, e.Message);
                return "record too large";
            }
            if (startTls)
            {
                if (!buffer.IsEmpty || _decoder.HasPartialRecord || _inFlight.Count > 0)
                {
                    // RFC 9289 §4.1: the client sends nothing more until it has the reply.
                    return "data after the AUTH_TLS probe";
                }
                _reader.AdvanceTo(buffer.End);
                if (await StartTlsAsync().ConfigureAwait(false) is { } failure)
                {
                    return failure;
                }
                continue;
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

    /// <summary>A call that completed synchronously on the read loop: its reply joins the batch
    /// sent once the records of this read are processed (one send for many pipelined replies),
    /// or goes out directly when large. The batch is bounded, so backpressure holds.</summary>
    private async ValueTask ReplyFromReadLoopAsync(RpcCall call)
    {
        try
        {
            if (call.HasReply && !_callsToken.IsCancellationRequested)
            {
                ReadOnlyMemory<byte> record = call.FinishStreamRecord();
                // A timed call's reply goes out on its own, so its send phase is its own write.
                if (record.Length >= BatchLimit || call.Phases.On)
                {
                    await FlushBatchAsync().ConfigureAwait(false);
                    await SendAsync(record).ConfigureAwait(false);
                }
                else
                {
                    _batch.Write(record.Span);
                }
            }
        }
        finally
        {
            _runtime.Calls.End(call);
        }
        if (_batch.WrittenCount >= BatchLimit)
        {
            await FlushBatchAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends the batched replies, if any. Read loop only.</summary>
    private ValueTask FlushBatchAsync()
    {
        if (_batch.WrittenCount == 0)
        {
            return ValueTask.CompletedTask;
        }
        if (_callsToken.IsCancellationRequested)
        {
            _batch.Reset();
            return ValueTask.CompletedTask;
        }
        ValueTask sending = SendAsync(_batch.WrittenMemory);
        if (sending.IsCompletedSuccessfully)
        {
            _batch.Reset();
            return ValueTask.CompletedTask;
        }
        return AwaitFlushAsync(sending);
    }

    private async ValueTask AwaitFlushAsync(ValueTask sending)
    {
        try
        {
            await sending.ConfigureAwait(false);
        }
        finally
        {
            _batch.Reset();
        }
    }

    public override void OnCallEnded()
    {
        _callSlots.Release();
        Volatile.Write(ref _lastActivity, _runtime.NowMs);
    }

    internal override ValueTask SendRecordAsync(ReadOnlyMemory<byte> record) => SendAsync(record);

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
            Volatile.Write(ref _sendStarted, _runtime.NowMs);
            if (_tls is { } tls)
            {
                await tls.WriteAsync(record, _callsToken).ConfigureAwait(false);
            }
            else
            {
                await _socket.SendAsync(record, SocketFlags.None, _callsToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
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
