using System.Buffers;
using OncRpc.Internal;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// The connection's two hooks for callbacks (docs/calls-both-ways.md): a received record whose
/// msg_type is CALL goes to the <see cref="CallbackSite"/> serving this connection, and the site's
/// replies go out as whole records through the send queue, after whatever is queued ahead.
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
        _reader.EnsureReader();
    }

    /// <summary>Fires when the connection closes (callbacks in flight are cancelled with it).</summary>
    public CancellationToken ClosingToken => _closingToken;

    /// <summary>True when <paramref name="record"/> is a CALL: served when callbacks are, dropped
    /// otherwise (without them the client reads only while its own calls are pending, so a call's
    /// fate would hang on timing; nobody answers, as before callbacks existed).</summary>
    private bool ServeIfCall(in ReadOnlySequence<byte> record)
    {
        if (!MessageKind.IsCall(record))
        {
            return false;
        }
        if (Volatile.Read(ref _callbacks) is { } site)
        {
            site.OnCall(record);
        }
        else
        {
            ClientLog.DroppedCall(_logger, RemoteEndPoint);
        }
        return true;
    }

    /// <summary>Queues one whole record (record marks included, copied) for the send path; false
    /// when the connection is closed.</summary>
    public bool SendRecord(ReadOnlySpan<byte> record)
    {
        PooledBufferWriter buffer = BufferPool.Rent();
        record.CopyTo(buffer.GetSpan(record.Length));
        buffer.Advance(record.Length);
        return TryEnqueue(new OutgoingRecord(buffer, Flush: true));
    }
}
