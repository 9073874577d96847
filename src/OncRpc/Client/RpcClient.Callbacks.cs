using OncRpc.Server;

namespace OncRpc.Client;

public abstract partial class RpcClient
{
    /// <summary>
    /// Serves the procedures of <paramref name="dispatcher"/> to the server over this client's own
    /// connection (TCP and Unix): a record the server sends with msg_type CALL runs through the
    /// same call pipeline as a server's calls (auth, lookup, semantics, handler) and its reply goes
    /// back on the connection; replies to this client's calls are matched by xid as before, the two
    /// directions' xids apart. A program the dispatcher lacks is answered PROG_UNAVAIL. From then
    /// on the connection is read for as long as it is open, and a reconnection serves the same
    /// dispatcher. Handlers run on the connection's reader until their first await: they must not
    /// block (await this client's calls instead). Call once. Throws
    /// <see cref="NotSupportedException"/> over UDP (a datagram socket has no connection for the
    /// server to call back on), <see cref="InvalidOperationException"/> when already serving.
    /// See docs/calls-both-ways.md.
    /// </summary>
    public virtual void Serve(RpcDispatcher dispatcher) =>
        throw new NotSupportedException(
            $"{GetType().Name} cannot serve callbacks: only a stream connection (TCP, Unix) carries calls both ways");
}
