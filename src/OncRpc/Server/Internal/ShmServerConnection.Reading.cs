using System.Buffers;
using OncRpc.Diagnostics;
using OncRpc.Internal;
using OncRpc.Transport;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>The connection's read loop: records out of the client-to-server ring, read in place
/// where whole, into the call lifecycle.</summary>
internal sealed partial class ShmServerConnection
{
    /// <summary>Reads records until the peer leaves, the server stops reading or the stream
    /// breaks; returns why it ended.
    /// <para>Whole records are decoded where they lie in the ring (<see cref="ShmRing.ReadInPlace"/>):
    /// a small one is copied once, into its call; a large one only its header, its arguments are
    /// lent to the call while it runs here (RpcCall.LentArguments.cs); the ring space is freed for
    /// the batch. What the ring
    /// holds of a record not yet complete is copied out into this loop's buffer instead, and read
    /// on from there until that buffer drains (a record may be larger than the ring, so waiting
    /// in the ring for it to complete could wait forever); then reading in place resumes.</para></summary>
    private string ReadLoop()
    {
        ShmRing ring = _in!;
        ShmRing.InPlaceReader consumeInPlace = ConsumeInPlace;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialReadBuffer);
        int start = 0;
        int end = 0;
        try
        {
            while (true)
            {
                if (_readingToken.IsCancellationRequested)
                {
                    return "server stopping";
                }
                if (start == end)
                {
                    start = end = 0;
                    int readable = ring.ReadInPlace(consumeInPlace);
                    if (_stopReason is { } stopped)
                    {
                        return stopped;
                    }
                    if (readable > 0 && _consumedInPlace == readable)
                    {
                        continue;
                    }
                    if (readable == 0)
                    {
                        if (ring.WaitReadable(long.MaxValue))
                        {
                            continue;
                        }
                        if (_readingToken.IsCancellationRequested && !ClosingStarted)
                        {
                            return "server stopping";
                        }
                        if (ring.Readable > 0)
                        {
                            continue; // the peer wrote this before it left: its calls still count
                        }
                        if (_decoder.HasPartialRecord)
                        {
                            ServerLog.TruncatedRecord(_runtime.Logger, RemoteEndPoint);
                        }
                        return "end of stream";
                    }
                    // Part of a record is left in the ring: copy it out below.
                }
                else if (end == buffer.Length)
                {
                    // Unconsumed bytes (part of a record the decoder awaits whole) fill the
                    // buffer: move them down, or grow it (the decoder awaits at most one
                    // fragment of up to 256 KiB whole, so this stays bounded).
                    int live = end - start;
                    byte[] target = live * 2 > buffer.Length ? ArrayPool<byte>.Shared.Rent(buffer.Length * 2) : buffer;
                    Buffer.BlockCopy(buffer, start, target, 0, live);
                    if (!ReferenceEquals(target, buffer))
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = target;
                    }
                    start = 0;
                    end = live;
                }
                int n = ring.Read(buffer.AsSpan(end));
                if (n == 0)
                {
                    if (ring.WaitReadable(long.MaxValue))
                    {
                        continue;
                    }
                    if (_readingToken.IsCancellationRequested && !ClosingStarted)
                    {
                        return "server stopping";
                    }
                    if (ring.Readable > 0)
                    {
                        continue;
                    }
                    ServerLog.TruncatedRecord(_runtime.Logger, RemoteEndPoint); // start < end: a record was cut
                    return "end of stream";
                }
                end += n;
                Arrived();
                var sequence = new ReadOnlySequence<byte>(buffer, start, end - start);
                if (DecodeAndRun(ref sequence, inRing: false) is { } reason)
                {
                    return reason;
                }
                start = end - (int)sequence.Length;
                if (start == end && !_decoder.HasPartialRecord)
                {
                    _recordTiming.Idle();
                }
            }
        }
        catch (IOException e)
        {
            return "shared-memory ring broken: " + e.Message; // counters out of range
        }
        catch (ObjectDisposedException)
        {
            return "connection closed";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Arrived()
    {
        Volatile.Write(ref _lastActivity, _runtime.NowMs);
        _recordTiming.Arrived();
    }

    /// <summary>The in-place reader (connection thread only): decodes and runs every whole record
    /// of <paramref name="view"/>; returns the bytes consumed.</summary>
    private long ConsumeInPlace(ReadOnlySequence<byte> view)
    {
        Arrived();
        ReadOnlySequence<byte> rest = view;
        _stopReason = DecodeAndRun(ref rest, inRing: true);
        long consumed = view.Length - rest.Length;
        _consumedInPlace = consumed;
        if (rest.IsEmpty && !_decoder.HasPartialRecord)
        {
            _recordTiming.Idle();
        }
        return consumed;
    }

    /// <summary>Takes every whole record off the front of <paramref name="sequence"/> into the
    /// call lifecycle; a synchronous call is answered here, inline, on the connection's thread.
    /// Returns why reading must stop, or null. <paramref name="inRing"/>: the bytes are the shared
    /// ring, which the peer can rewrite at any moment, so nothing is decoded from them before it is
    /// copied (a call's record, or its header, into the call; a backchannel reply into its own
    /// array), except a large call's arguments, which the XDR reader decodes safely in place.</summary>
    private string? DecodeAndRun(ref ReadOnlySequence<byte> sequence, bool inRing)
    {
        try
        {
            while (_decoder.TryDecode(ref sequence, out ReadOnlySequence<byte> record))
            {
                if (MessageKind.IsReply(record))
                {
                    // A backchannel reply needs no call slot. Whatever the copy says, it is
                    // handled (routed or dropped) as a reply.
                    RouteReply(inRing ? new ReadOnlySequence<byte>(record.ToArray()) : record);
                    continue;
                }
                if (!TakeCallSlot())
                {
                    return "server stopping";
                }
                long firstByte = _recordTiming.Take(out long complete);
                RpcCall call;
                if (inRing && record.IsSingleSegment && record.Length >= LendArgumentsFrom)
                {
                    // Its arguments are read where they lie, during the run below (the ring space
                    // is freed only once this consumer returns); only the header is copied.
                    call = _runtime.Calls.Begin(this, _transport, RecordMarking.HeaderSize, _callsToken, RemoteEndPoint, firstByte, complete);
                    call.SetRequestLendingArguments(record.First);
                }
                else
                {
                    call = _runtime.Calls.Begin(this, _transport, record, _callsToken, RemoteEndPoint, firstByte, complete);
                }
                call.OfferReplyRegion(this); // a reply begun on this thread is encoded into the ring
                bool inline = _runtime.Calls.Run(call);
                call.EndArgumentsLoan(keepArguments: !inline); // asynchronous: it copies them now, before the space is freed
                if (!inline)
                {
                    call.WithdrawReplyRegion(); // it went asynchronous: a later reply is copied in
                }
                else
                {
                    bool startsTls = call.StartsTls;
                    ReplyAndEnd(call);
                    if (startsTls)
                    {
                        return "AUTH_TLS probe: there is no TLS over shared memory";
                    }
                }
            }
            return null;
        }
        catch (RpcException e) when (e.Status == RpcStatus.MessageTooLarge)
        {
            ServerLog.RecordTooLarge(_runtime.Logger, RemoteEndPoint, e.Message);
            return "record too large";
        }
    }

    /// <summary>Calls at least this long lend the call their arguments where they lie in the ring
    /// instead of being copied into it (smaller ones: the copy costs less than the loan's checks).</summary>
    private const int LendArgumentsFrom = 4096;

    /// <summary>Backpressure: at the per-connection limit, wait (on this thread) for a call to
    /// end before reading on. False when a stop begins meanwhile.</summary>
    private bool TakeCallSlot()
    {
        if (_callSlots.Wait(0))
        {
            return true;
        }
        _waitingForSlot = true;
        try
        {
            _callSlots.Wait(_readingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _waitingForSlot = false;
        }
    }
}
