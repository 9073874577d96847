using OncRpc.Server;

namespace OncRpc.Client.Internal;

/// <summary>Callbacks (<see cref="RpcClient.Serve"/>): every connection of the client, the current
/// one and each made after a loss, serves the same dispatcher.</summary>
internal sealed partial class StreamRpcClient
{
    private ClientCallbackHost? _callbacks;

    public override void Serve(RpcDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _connectGate.Wait();
        try
        {
            if (_callbacks is not null)
            {
                throw new InvalidOperationException("this client already serves callbacks");
            }
            _callbacks = new ClientCallbackHost(dispatcher, Options, this, Logger);
            if (_connection is { IsClosed: false } connection)
            {
                _callbacks.Attach(connection, _kind);
            }
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>Under the connect gate: a new connection serves the callbacks too.</summary>
    private void AttachCallbacks(StreamConnection connection) => _callbacks?.Attach(connection, _kind);
}
