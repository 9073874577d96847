using OncRpc.Auth;

namespace OncRpc.Client;

/// <summary>
/// Overrides for one call (<see cref="RpcClient.CallAsync{TArgs, TResult}(RpcProcedureDescriptor, TArgs, RpcCallOptions, CancellationToken)"/>,
/// <see cref="RpcClient.Call{TArgs, TResult}(RpcProcedureDescriptor, TArgs, RpcCallOptions, CancellationToken)"/>):
/// what is null comes from the client's <see cref="RpcClientOptions"/>. A value: making one allocates nothing.
/// </summary>
/// <param name="Timeout">This call's total time (retransmissions and, at most once, resends
/// included), measured on the client's <see cref="RpcClientOptions.TimeProvider"/> from when the
/// call starts; longer or shorter than the client's. Positive or
/// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>.</param>
/// <param name="Credentials">Sent with this call instead of the client's
/// <see cref="RpcClientOptions.Credentials"/>; the reply's verifier is checked by them too.</param>
public readonly record struct RpcCallOptions(TimeSpan? Timeout = null, RpcCredentials? Credentials = null)
{
    /// <summary>True when nothing is overridden.</summary>
    public bool IsEmpty => Timeout is null && Credentials is null;
}
