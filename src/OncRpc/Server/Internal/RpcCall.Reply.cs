using OncRpc.Auth;
using OncRpc.Protocol;
using OncRpc.Transport;
using OncRpc.Xdr;

namespace OncRpc.Server.Internal;

internal sealed partial class RpcCall
{
    /// <summary>Bytes reserved before the reply for a record-marking header: 4 on stream
    /// transports, 0 on UDP.</summary>
    public int ReplyPrefix { get; set; }

    private bool _hasReply;
    private bool _oneWay;

    /// <summary>True once a reply has been encoded into <see cref="Reply"/> (never for a one-way call).</summary>
    public bool HasReply
    {
        get => _hasReply && !_oneWay;
        private set => _hasReply = value;
    }

    /// <summary>A one-way call (<see cref="RpcCallSemantics.Maybe"/>): whatever the pipeline
    /// writes, nothing is sent back.</summary>
    public void MakeOneWay() => _oneWay = true;

    /// <summary>Answers with a reply cached by the duplicate-request cache, byte for byte.</summary>
    public void ReplyCached(ReadOnlySpan<byte> reply)
    {
        BeginReply();
        System.Buffers.BuffersExtensions.Write(Reply, reply);
        HasReply = true;
        Outcome = CallOutcome.Replayed;
    }

    /// <summary>How the call ended.</summary>
    public CallOutcome Outcome { get; private set; }

    /// <summary>The encoded reply, after <see cref="ReplyPrefix"/> reserved bytes.</summary>
    public OncRpc.Transport.Internal.PooledBufferWriter Reply { get; }

    /// <summary>Marks the call as dropped: nothing is sent back.</summary>
    public void Drop()
    {
        Reply.Reset();
        HasReply = false;
        Outcome = CallOutcome.Dropped;
    }

    /// <summary>MSG_ACCEPTED with a non-SUCCESS accept_stat (low/high for PROG_MISMATCH).</summary>
    public void ReplyAccepted(AcceptStat stat, uint low = 0, uint high = 0)
    {
        WriteHeader(RpcReplyHeader.Accepted(Xid, stat, low, high, ReplyVerifier));
        Outcome = stat switch
        {
            AcceptStat.ProgramUnavailable => CallOutcome.ProgramUnavailable,
            AcceptStat.ProgramMismatch => CallOutcome.ProgramMismatch,
            AcceptStat.ProcedureUnavailable => CallOutcome.ProcedureUnavailable,
            AcceptStat.GarbageArguments => CallOutcome.GarbageArguments,
            AcceptStat.Success => CallOutcome.Success,
            _ => CallOutcome.SystemError,
        };
    }

    /// <summary>MSG_DENIED RPC_MISMATCH: we speak RPC version 2 only (RFC 5531 §9).</summary>
    public void ReplyRpcMismatch()
    {
        WriteHeader(RpcReplyHeader.RpcMismatch(Xid, RpcCallHeader.RpcVersion, RpcCallHeader.RpcVersion));
        Outcome = CallOutcome.RpcMismatch;
    }

    /// <summary>MSG_DENIED AUTH_ERROR with <paramref name="stat"/>.</summary>
    public void ReplyAuthError(AuthStat stat)
    {
        WriteHeader(RpcReplyHeader.AuthError(Xid, stat));
        Outcome = CallOutcome.AuthError;
    }

    /// <summary>MSG_ACCEPTED SUCCESS followed by <paramref name="result"/>. Throws what the
    /// result's encoder throws, leaving no reply.</summary>
    public void ReplySuccess<TResult>(TResult result) where TResult : IXdrSerializable<TResult>
    {
        BeginReply();
        var writer = new XdrWriter(Reply);
        try
        {
            RpcReplyHeader.Success(Xid, ReplyVerifier).WriteTo(ref writer);
            if (Protection is null)
            {
                result.WriteTo(ref writer);
                writer.Flush();
            }
            else
            {
                writer.Flush();
                ProtectResults(result);
            }
        }
        catch
        {
            Drop();
            throw;
        }
        HasReply = true;
        Outcome = CallOutcome.Success;
    }

    /// <summary>Encodes the results apart, then writes them protected after the header.</summary>
    private void ProtectResults<TResult>(TResult result) where TResult : IXdrSerializable<TResult>
    {
        OncRpc.Transport.Internal.PooledBufferWriter plain = OncRpc.Transport.Internal.BufferPool.Rent();
        try
        {
            var writer = new XdrWriter(plain);
            result.WriteTo(ref writer);
            writer.Flush();
            Protection!.ProtectResults(plain.WrittenSpan, Reply);
        }
        finally
        {
            OncRpc.Transport.Internal.BufferPool.Return(plain);
        }
    }

    /// <summary>MSG_ACCEPTED SUCCESS followed by results already encoded (a flavor's own answer).</summary>
    public void ReplySuccessRaw(ReadOnlySpan<byte> results)
    {
        WriteHeader(RpcReplyHeader.Success(Xid, ReplyVerifier));
        System.Buffers.BuffersExtensions.Write(Reply, results);
        Outcome = CallOutcome.Success;
    }

    private void WriteHeader(in RpcReplyHeader header)
    {
        BeginReply();
        var writer = new XdrWriter(Reply);
        header.WriteTo(ref writer);
        writer.Flush();
        HasReply = true;
    }

    private void BeginReply()
    {
        Reply.Reset();
        TakeReplyRegion();
        if (ReplyPrefix > 0)
        {
            Reply.GetSpan(ReplyPrefix);
            Reply.Advance(ReplyPrefix);
        }
    }

    /// <summary>The reply as one record-marked fragment, ready for the socket.</summary>
    public ReadOnlyMemory<byte> FinishStreamRecord()
    {
        RecordMarking.WriteHeader(Reply.WrittenSpanForUpdate, Reply.WrittenCount - RecordMarking.HeaderSize, last: true);
        return Reply.WrittenMemory;
    }

    /// <summary>The reply as one datagram.</summary>
    public ReadOnlyMemory<byte> FinishDatagram() => Reply.WrittenMemory;
}
