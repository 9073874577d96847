namespace OncRpc.Binding;

/// <summary>How an imported client picks the instance for each call, among the healthy ones
/// that pass its filter.</summary>
public enum RpcBalancingPolicy
{
    /// <summary>Random, in proportion to each instance's weight.</summary>
    Random,
    /// <summary>Each instance in turn (weights ignored): the most even spread.</summary>
    RoundRobin,
    /// <summary>The instance with the fewest calls outstanding from this client (ties at random).</summary>
    LeastOutstanding,
    /// <summary>Two instances at random, the one with fewer calls outstanding: nearly as good as
    /// least-outstanding without reading every instance's count.</summary>
    PowerOfTwoChoices,
}
