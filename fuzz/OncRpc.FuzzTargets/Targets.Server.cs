using OncRpc.Server.Internal;

namespace OncRpc.FuzzTargets;

public static partial class Targets
{
    /// <summary>
    /// One record (an rpc_msg) through the whole server call lifecycle: header, auth (AUTH_SYS,
    /// AUTH_SHORT), lookup, call semantics with the duplicate-request cache, orphan handling,
    /// argument decoding of hand-written and generated procedures, the handler, the reply. Then the
    /// same record again on the same server, as a retransmission (a replay from the cache for an
    /// at-most-once procedure). Nothing may escape, every call ends, every reply decodes.
    /// </summary>
    private static void ServerCallTarget(byte[] input)
    {
        using RpcServerRuntime runtime = Pipeline.CreateRuntime();
        Pipeline.Run(runtime, input);
        Pipeline.Run(runtime, input);
    }
}
