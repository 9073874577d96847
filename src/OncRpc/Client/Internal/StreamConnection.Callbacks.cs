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

    /// <summary>True when <paramref name="record"/> is a CALL and this connection serves callbacks:
    /// the call is served. Without callbacks nothing is looked at here (the reply path costs what it
    /// did) and a CALL goes on to the pending-call table, which drops it as matching no call: the
    /// client reads only while its own calls are pending, so answering would hang on timing.</summary>
    private bool ServeIfCall(in ReadOnlySequence<byte> record)
    {
        if (Volatile.Read(ref _callbacks) is not { } site || !MessageKind.IsCall(record))
        {
            return false;
        }
        site.OnCall(record);
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
