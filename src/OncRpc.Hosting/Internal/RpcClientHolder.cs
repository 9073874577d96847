using OncRpc.Client;

namespace OncRpc.Hosting.Internal;

/// <summary>Owns the <see cref="RpcClient"/> under one typed client, so the container closes the
/// connection at its disposal.</summary>
internal sealed class RpcClientHolder<TClient>(RpcClient client) : IAsyncDisposable
{
    public RpcClient Client { get; } = client;

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
