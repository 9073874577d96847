namespace OncRpc.FuzzTargets;

/// <summary>
/// One decoder under fuzz: <see cref="Run"/> feeds it one input and returns normally when the
/// input was decoded or refused the documented way; anything that escapes is a finding (afl-fuzz
/// records the input as a crash, the replay test fails). A target catches exactly what its decoder
/// documents (<see cref="Xdr.XdrException"/> for bytes that do not decode, <see cref="RpcException"/>
/// with its documented status), never a broad <see cref="Exception"/>; a target that checks more than
/// "no other exception" (cumulative limits, re-encoding) throws <see cref="FuzzPropertyException"/>.
/// </summary>
public sealed record FuzzTarget(string Name, string Decoder, Action<byte[]> Run);

/// <summary>A property the target checks did not hold (not an exception the decoder threw).</summary>
public sealed class FuzzPropertyException(string message) : Exception(message);

/// <summary>Every target, by name (fuzz/run-campaign.sh TARGET, fuzz/corpus/TARGET/).</summary>
public static partial class Targets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("record", "RecordDecoder: record marking (RFC 5531 §11), cumulative record cap", RecordMarkingTarget),
        new("call", "rpc_msg xid, msg_type and call_body (RFC 5531 §9)", CallHeaderTarget),
        new("reply", "rpc_msg xid, msg_type and reply_body (RFC 5531 §9)", ReplyHeaderTarget),
        new("auth-sys", "authsys_parms (RFC 5531 Appendix A), directly and through the server's auth stage", AuthSysTarget),
        new("auth-short", "AUTH_SHORT handles (RFC 5531 Appendix A) through the handle cache and the auth stage", AuthShortTarget),
        new("rpcsec-gss", "RPCSEC_GSS credential (RFC 2203 §5) through the server's header and auth stages", RpcSecGssTarget),
        new("tls-probe", "AUTH_TLS probe (RFC 9289 §4.1): a NULL call with flavor 7 credentials", TlsProbeTarget),
        new("rpcbind", "rpcbind/portmap messages (RFC 1833): client decoders and the rpcbind server's procedures", RpcbindTarget),
        new("drc-key", "duplicate-request cache keys: client key builder and call slot", DrcKeyTarget),
        new("drc-log", "duplicate-request cache persistence: a hostile log file loaded at start", DrcLogTarget),
        new("allconstructs", "generated XDR code for tests/TestData/x/allconstructs.x", AllConstructsTarget),
        new("server-call", "the whole server call pipeline fed one record", ServerCallTarget),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
