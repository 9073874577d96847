using OncRpc.Auth;
using OncRpc.Xdr;

namespace OncRpc.Protocol;

/// <summary>
/// A reply message up to its results (RFC 5531 §9 reply_body): accepted with an accept_stat (and
/// low/high for PROG_MISMATCH), or denied with a reject_stat (low/high for RPC_MISMATCH, an
/// auth_stat for AUTH_ERROR). On SUCCESS the procedure's results follow.
/// </summary>
public readonly record struct RpcReplyHeader
{
    public uint Xid { get; init; }
    public ReplyStat ReplyStat { get; init; }
    public OpaqueAuth Verifier { get; init; }
    public AcceptStat AcceptStat { get; init; }
    public RejectStat RejectStat { get; init; }
    public AuthStat AuthStat { get; init; }
    public uint Low { get; init; }
    public uint High { get; init; }

    /// <summary>True for an accepted SUCCESS reply, whose results follow.</summary>
    public bool IsSuccess => ReplyStat == ReplyStat.Accepted && AcceptStat == AcceptStat.Success;

    public static RpcReplyHeader Success(uint xid, OpaqueAuth verifier = default) =>
        new() { Xid = xid, Verifier = verifier };

    public static RpcReplyHeader Accepted(uint xid, AcceptStat stat, uint low = 0, uint high = 0, OpaqueAuth verifier = default) =>
        new() { Xid = xid, AcceptStat = stat, Low = low, High = high, Verifier = verifier };

    public static RpcReplyHeader RpcMismatch(uint xid, uint low, uint high) =>
        new() { Xid = xid, ReplyStat = ReplyStat.Denied, RejectStat = RejectStat.RpcMismatch, Low = low, High = high };

    public static RpcReplyHeader AuthError(uint xid, AuthStat stat) =>
        new() { Xid = xid, ReplyStat = ReplyStat.Denied, RejectStat = RejectStat.AuthError, AuthStat = stat };

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt32(Xid);
        writer.WriteInt32((int)RpcMessageType.Reply);
        writer.WriteInt32((int)ReplyStat);
        if (ReplyStat == ReplyStat.Accepted)
        {
            Verifier.WriteTo(ref writer);
            writer.WriteInt32((int)AcceptStat);
            if (AcceptStat == AcceptStat.ProgramMismatch)
            {
                writer.WriteUInt32(Low);
                writer.WriteUInt32(High);
            }
            return;
        }
        writer.WriteInt32((int)RejectStat);
        if (RejectStat == RejectStat.RpcMismatch)
        {
            writer.WriteUInt32(Low);
            writer.WriteUInt32(High);
        }
        else
        {
            writer.WriteInt32((int)AuthStat);
        }
    }

    /// <summary>Reads the reply body after xid and msg_type (<see cref="RpcMessageHeader.ReadFrom"/>).
    /// Undeclared discriminants throw <see cref="XdrException"/>; an unknown auth_stat is kept as its number.</summary>
    public static RpcReplyHeader ReadBody(ref XdrReader reader, uint xid)
    {
        int replyStat = reader.ReadInt32();
        switch (replyStat)
        {
            case (int)ReplyStat.Accepted:
            {
                OpaqueAuth verifier = OpaqueAuth.ReadFrom(ref reader);
                int accept = reader.ReadInt32();
                if ((uint)accept > (uint)AcceptStat.SystemError)
                {
                    throw XdrGeneratedCode.UndeclaredEnum(in reader, "accept_stat", accept);
                }
                var header = Accepted(xid, (AcceptStat)accept, verifier: verifier);
                return header.AcceptStat == AcceptStat.ProgramMismatch
                    ? header with { Low = reader.ReadUInt32(), High = reader.ReadUInt32() }
                    : header;
            }
            case (int)ReplyStat.Denied:
            {
                int reject = reader.ReadInt32();
                return reject switch
                {
                    (int)RejectStat.RpcMismatch => RpcMismatch(xid, reader.ReadUInt32(), reader.ReadUInt32()),
                    (int)RejectStat.AuthError => AuthError(xid, (AuthStat)reader.ReadInt32()),
                    _ => throw XdrGeneratedCode.UndeclaredEnum(in reader, "reject_stat", reject),
                };
            }
            default:
                throw XdrGeneratedCode.UndeclaredEnum(in reader, "reply_stat", replyStat);
        }
    }

    /// <summary>Null for SUCCESS; otherwise the <see cref="RpcException"/> this reply means.</summary>
    public RpcException? ToException(uint program, uint version, uint procedure) =>
        ToException(new RpcProcedureDescriptor(program, version, procedure));

    /// <summary>Null for SUCCESS; otherwise the <see cref="RpcException"/> this reply means, its
    /// message naming the call as the .x does: <c>BANK_PROG (0x20000099) version 1 WITHDRAW: garbage arguments</c>.</summary>
    internal RpcException? ToException(RpcProcedureDescriptor call)
    {
        if (ReplyStat == ReplyStat.Accepted)
        {
            return AcceptStat switch
            {
                AcceptStat.Success => null,
                AcceptStat.ProgramUnavailable => new RpcException(RpcStatus.ProgramUnavailable, $"{Describe(call)}: program unavailable"),
                AcceptStat.ProgramMismatch => new RpcException(RpcStatus.ProgramMismatch,
                    $"{Describe(call)}: program version mismatch; the server supports versions {Low}..{High}", Low, High),
                AcceptStat.ProcedureUnavailable => new RpcException(RpcStatus.ProcedureUnavailable, $"{Describe(call)}: procedure unavailable"),
                AcceptStat.GarbageArguments => new RpcException(RpcStatus.GarbageArguments, $"{Describe(call)}: garbage arguments"),
                _ => new RpcException(RpcStatus.SystemError, $"{Describe(call)}: system error"),
            };
        }
        return RejectStat == RejectStat.RpcMismatch
            ? new RpcException(RpcStatus.RpcMismatch, $"{Describe(call)}: the server supports RPC versions {Low}..{High}", Low, High)
            : new RpcException(AuthStat, $"{Describe(call)}: authentication error: {AuthStat}");
    }

    /// <summary>Program numbers in hex, as .x files and RFCs write them; names when the caller has them.</summary>
    private static string Describe(RpcProcedureDescriptor call) =>
        (call.ProgramName is { } name ? $"{name} (0x{call.Program:x8})" : $"program 0x{call.Program:x8}") +
        $" version {call.Version} " + (call.ProcedureName ?? $"procedure {call.Procedure}");
}
