namespace OncRpc.Server;

public readonly partial struct RpcCallContext
{
    // AsyncLocal, so the context flows into the handler's continuations after it awaits. Setting
    // one allocates (a new ExecutionContext each time), which is why the server does not do it for
    // every call: handlers that take the context as a parameter (the generated ServiceBase,
    // RpcDispatcher.Register) pay nothing; the interface adapter (FromInterface), whose methods
    // have no context parameter, enters it around each call.
    private static readonly AsyncLocal<RpcCallContext> s_current = new();

    /// <summary>
    /// The context of the call being served on this asynchronous flow, inside a handler registered
    /// from an interface implementation (the generated <c>FromInterface</c>/<c>Add</c> overloads)
    /// or a <see cref="MakeCurrent"/> scope; null elsewhere, and once that call has ended.
    /// </summary>
    public static RpcCallContext? Current => s_current.Value is { IsActive: true } current ? current : null;

    /// <summary>Makes this context <see cref="Current"/> until the returned scope is disposed (the
    /// previous one is restored then). Work started inside the scope keeps seeing it after awaits.</summary>
    public Scope MakeCurrent()
    {
        RpcCallContext previous = s_current.Value;
        s_current.Value = this;
        return new Scope(previous);
    }

    /// <summary>Restores the previous <see cref="Current"/> when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly RpcCallContext _previous;

        internal Scope(RpcCallContext previous) => _previous = previous;

        /// <summary>Restores the context that was current before.</summary>
        public void Dispose() => s_current.Value = _previous;
    }
}
