namespace OncRpc;

/// <summary>
/// What a procedure promises when the network or a peer fails: how often it may run for one call
/// of the client. Declared once per procedure, on its <see cref="RpcProcedureDescriptor"/>
/// (generated from a <c>/* at-most-once */</c>, <c>/* idempotent */</c> or <c>/* maybe */</c>
/// comment after the procedure in the <c>.x</c> file, or set in code), and read by both ends:
/// the server's duplicate-request cache, the client's resends after a reconnect. See
/// docs/semantics.md.
/// </summary>
public enum RpcCallSemantics
{
    /// <summary>The procedure may run more than once for one call (it is idempotent): a lost
    /// reply is recovered by running it again. The default, as in every classic ONC RPC service.</summary>
    AtLeastOnce,

    /// <summary>The procedure runs at most once per call (xid): the server keeps its reply in the
    /// duplicate-request cache and answers a retransmission from there instead of running it again;
    /// the client keeps the xid when it resends. For procedures that change state (a deposit, a
    /// create, an append).</summary>
    AtMostOnce,

    /// <summary>One-way: the caller waits for no reply and nothing is retransmitted, so the
    /// procedure runs once or not at all. The server sends no reply.</summary>
    Maybe,
}
