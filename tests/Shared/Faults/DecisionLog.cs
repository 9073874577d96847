namespace OncRpc.Testing.Faults;

/// <summary>The decisions of one direction, kept up to a capacity (later ones are only counted),
/// so a long fault run cannot grow memory without bound.</summary>
internal sealed class DecisionLog(int capacity)
{
    private readonly List<FaultDecision> _decisions = [];
    private readonly Lock _lock = new();

    public void Add(FaultDecision decision)
    {
        lock (_lock)
        {
            if (_decisions.Count < capacity)
            {
                _decisions.Add(decision);
            }
        }
    }

    public FaultDecision[] Snapshot()
    {
        lock (_lock)
        {
            return [.. _decisions];
        }
    }
}
