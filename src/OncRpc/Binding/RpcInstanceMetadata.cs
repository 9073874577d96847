namespace OncRpc.Binding;

/// <summary>
/// What an instance says about itself so clients can choose among instances: the zone it runs in
/// (filters prefer or exclude zones), its weight (relative share of random and round-robin
/// picks; 0 takes no new calls, as when draining), its build, and free-form properties.
/// </summary>
public sealed record RpcInstanceMetadata
{
    /// <summary>No zone, weight 1, no build, no properties.</summary>
    public static RpcInstanceMetadata Default { get; } = new();

    /// <summary>Availability zone, rack or site; null when unknown.</summary>
    public string? Zone { get; init; }

    /// <summary>Relative share of the calls (1 by default; 0 receives none while others exist).</summary>
    public int Weight { get; init; } = 1;

    /// <summary>Version or commit of the server's code; null when unknown.</summary>
    public string? Build { get; init; }

    /// <summary>Anything else a filter may match on.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();
}
