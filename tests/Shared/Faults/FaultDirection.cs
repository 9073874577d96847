namespace OncRpc.Testing.Faults;

/// <summary>Which way traffic crosses a fault proxy.</summary>
public enum FaultDirection
{
    /// <summary>Client to server: calls.</summary>
    Requests,

    /// <summary>Server to client: replies.</summary>
    Replies,
}
