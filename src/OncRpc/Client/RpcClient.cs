using OncRpc.Xdr;

namespace OncRpc.Client;

/// <summary>
/// A connection-level client: sends calls to any (program, version, procedure) over one transport
/// and matches replies by xid. Thread-safe; share one among many callers. Generated clients wrap
/// one of these. Create one with <see cref="ConnectTcpAsync"/>, <see cref="ConnectUnixAsync"/> or
/// <see cref="CreateUdp"/>.
/// </summary>
public abstract partial class RpcClient : IAsyncDisposable
{
    /// <summary>Calls <paramref name="procedure"/> with <paramref name="arguments"/> and decodes the result.
    /// Throws <see cref="RpcException"/> for every protocol or transport failure (timeout included,
    /// status <see cref="RpcStatus.TimedOut"/>), <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires.</summary>
    public abstract ValueTask<TResult> CallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>;

    /// <summary>Calls <paramref name="procedure"/> and blocks the calling thread until the result
    /// arrives: same errors, timeout and options as <see cref="CallAsync{TArgs, TResult}(RpcProcedureDescriptor, TArgs, CancellationToken)"/>. Made for sequential,
    /// latency-bound code: when no other thread is reading the connection, the calling thread
    /// sends and receives itself (as libtirpc's clnt_call does), with no thread-pool hop. Mixes
    /// freely with async calls on the same client.</summary>
    public abstract TResult Call<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>;

    /// <summary>As <see cref="CallAsync{TArgs, TResult}(RpcProcedureDescriptor, TArgs, CancellationToken)"/>,
    /// with this call's own timeout and credentials where <paramref name="options"/> sets them
    /// (a one-way procedure takes only the credentials). Throws
    /// <see cref="ArgumentOutOfRangeException"/> for a timeout that is neither positive nor
    /// infinite, <see cref="NotSupportedException"/> from a client that cannot override them.</summary>
    public virtual ValueTask<TResult> CallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCallOptions options, CancellationToken cancellationToken = default)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult> =>
        options.IsEmpty
            ? CallAsync<TArgs, TResult>(procedure, arguments, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} does not take per-call options");

    /// <summary>The blocking twin of
    /// <see cref="CallAsync{TArgs, TResult}(RpcProcedureDescriptor, TArgs, RpcCallOptions, CancellationToken)"/>.</summary>
    public virtual TResult Call<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCallOptions options, CancellationToken cancellationToken = default)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult> =>
        options.IsEmpty
            ? Call<TArgs, TResult>(procedure, arguments, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} does not take per-call options");

    /// <summary>Sends a call that expects no reply (the server's procedure does not answer).
    /// Completes once the call has been handed to the socket; there is no timeout and no retransmission.</summary>
    public virtual ValueTask SendOneWayAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
        where TArgs : IXdrSerializable<TArgs> =>
        throw new NotSupportedException($"{GetType().Name} does not send one-way calls");

    /// <summary>Queues a batched call (libtirpc batching, stream transports only): no reply is
    /// expected and nothing is written until a following normal call (or one-way call) flushes the
    /// batch with it. Completes once queued. Throws <see cref="NotSupportedException"/> over UDP.</summary>
    public virtual ValueTask BatchAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
        where TArgs : IXdrSerializable<TArgs> =>
        throw new NotSupportedException($"{GetType().Name} does not batch calls");

    /// <summary>Sends a hand-built call message (xid first, no record mark) and returns the whole
    /// reply message, whatever it says: the reply is matched by the xid in the message's first four
    /// bytes, under the same timeout (and, over UDP, retransmission) as typed calls.</summary>
    public virtual ValueTask<ReadOnlyMemory<byte>> CallRawAsync(
        ReadOnlyMemory<byte> callMessage, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not send raw calls");

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();
}
