using System.Buffers;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// The connection's two seams for callbacks (docs/calls-both-ways.md): a received record whose
/// msg_type is CALL (classified once, by <see cref="ReplyReader"/>) goes to the
/// <see cref="CallbackSite"/> serving this connection, and the site's replies go out as whole
/// records through the send queue, after whatever is queued ahead.
/// </summary>
internal sealed partial class StreamConnection
{
    private CallbackSite? _callbacks;

    /// <summary>Serves the calls the server sends on this connection from now on; the reader then
    /// reads for as long as the connection is open (a call may come at any time).</summary>
    public void ServeCallbacks(CallbackSite site)
    {
        Volatile.Write(ref _callbacks, site);
        Pending.ReadsAlways = true;
        Reader.EnsureReader();
    }

    /// <summary>Fires when the connection closes (callbacks in flight are cancelled with it).</summary>
    public CancellationToken ClosingToken => _closing.Token;

    /// <summary>
    /// A CALL record arrived (the server calling a service on this client over this connection,
    /// RFC 5531 §9 msg_type CALL). Runs on the reader role's thread; <paramref name="record"/> is
    /// valid during the call only (the site copies what it keeps) and nothing here blocks on the
    /// socket (answers go through <see cref="SendRecord"/>). Without callbacks it is dropped: the
    /// client reads only while its own calls are pending, so answering would hang on timing.
    /// </summary>
    public void OnCallRecord(in ReadOnlySequence<byte> record)
    {
        if (Volatile.Read(ref _callbacks) is { } site)
        {
            site.OnCall(record);
        }
        else
        {
            OnDroppedRecord();
        }
    }

    /// <summary>Queues one whole record (record marks included, copied) behind everything queued
    /// before it, without blocking; false when the connection is closed.</summary>
    public bool SendRecord(ReadOnlySpan<byte> record)
    {
        PooledBufferWriter buffer = BufferPool.Rent();
        record.CopyTo(buffer.GetSpan(record.Length));
        buffer.Advance(record.Length);
        return Sender.TryEnqueue(new OutgoingRecord(buffer, Flush: true));
    }
}
