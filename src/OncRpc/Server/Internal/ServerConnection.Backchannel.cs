using System.Buffers;
using OncRpc.Client;
using OncRpc.Diagnostics;
using OncRpc.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// Calls from the server to the client over the client's own connection (docs/calls-both-ways.md).
/// Both I/O models route each record they decode here first: a REPLY goes to the
/// <see cref="BackchannelClient"/> and never takes a call slot, so replies to the back channel are
/// read even while the connection is at its call limit (handlers waiting for them hold the slots);
/// only a CALL waits for a slot. Everything else about a record (its header, a REPLY sent over UDP)
/// stays with the call pipeline's <see cref="HeaderStage"/>.
/// </summary>
internal abstract partial class ServerConnection
{
    private BackchannelClient? _backchannel;

    /// <summary>The connection's backchannel client, made on first use (a closed connection's
    /// fails every call with <see cref="RpcStatus.ConnectionLost"/>).</summary>
    public RpcClient Backchannel
    {
        get
        {
            BackchannelClient? backchannel = Volatile.Read(ref _backchannel);
            if (backchannel is not null)
            {
                return backchannel;
            }
            var created = new BackchannelClient(this, _runtime.Options, _transport, _callsToken);
            backchannel = Interlocked.CompareExchange(ref _backchannel, created, null) ?? created;
            if (Volatile.Read(ref _closed) != 0)
            {
                // Closed while we made it: MarkClosed may not have seen it.
                CloseBackchannel("the connection closed");
            }
            return backchannel;
        }
    }

    private bool HasBackchannelCalls => Volatile.Read(ref _backchannel)?.PendingCount > 0;

    /// <summary>Sends one whole record (record marks included) through the connection's single
    /// writer, from any thread, after the records ahead of it. A failed send closes the
    /// connection; on a closed connection nothing is sent.</summary>
    internal abstract ValueTask SendRecordAsync(ReadOnlyMemory<byte> record);

    /// <summary>Routes a decoded record that is a REPLY to the backchannel's calls and returns
    /// true; returns false for anything else, which goes on to the call pipeline.</summary>
    private protected bool RouteReply(in ReadOnlySequence<byte> record)
    {
        if (!MessageKind.IsReply(record))
        {
            return false;
        }
        if (Volatile.Read(ref _backchannel) is not { } backchannel || !backchannel.OnReply(record))
        {
            // RFC 5531 §9: a reply nobody waits for (late, unknown, or from a peer that never had
            // a call from us) is dropped, never an error.
            ServerLog.MessageDropped(_runtime.Logger, RemoteEndPoint, "a REPLY no backchannel call waits for");
        }
        return true;
    }

    /// <summary>Reading has stopped (end of stream, error, a graceful stop): no backchannel reply
    /// can arrive any more, so its calls fail now rather than at their timeout.</summary>
    private protected void CloseBackchannel(string reason)
    {
        if (Volatile.Read(ref _backchannel) is { } backchannel)
        {
            backchannel.Close(reason);
        }
    }
}
