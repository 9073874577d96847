using OncRpc.Xdr;

namespace OncRpc.Client;

/// <summary>
/// A connection-level client: sends calls to any (program, version, procedure) over one transport
/// and matches replies by xid. Thread-safe; share one among many callers. Generated clients wrap
/// one of these.
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

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();
}
