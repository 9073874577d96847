namespace OncRpc.Binding.Internal;

/// <summary>
/// The balancing policies over one view of the instances. A pick reads the array it is given
/// and allocates nothing; instances already tried by the call are skipped. When no healthy
/// instance with weight is left it widens, first to draining ones (weight 0), then to ejected
/// ones: an ejected instance may have recovered since, and trying it beats failing outright.
/// </summary>
internal static class InstancePicker
{
    private enum Tier { Preferred, Draining, Any }

    public static InstanceNode? Pick(InstanceNode[] nodes, RpcBalancingPolicy policy, ref int roundRobin, List<InstanceNode>? tried)
    {
        for (Tier tier = Tier.Preferred; tier <= Tier.Any; tier++)
        {
            int usable = 0;
            foreach (InstanceNode node in nodes)
            {
                if (Usable(node, tier, tried))
                {
                    usable++;
                }
            }
            if (usable > 0)
            {
                return policy switch
                {
                    RpcBalancingPolicy.RoundRobin => RoundRobin(nodes, tier, tried, Interlocked.Increment(ref roundRobin)),
                    RpcBalancingPolicy.LeastOutstanding => LeastOutstanding(nodes, tier, tried, Random.Shared.Next(nodes.Length)),
                    RpcBalancingPolicy.PowerOfTwoChoices => TwoChoices(nodes, tier, tried, usable),
                    _ => WeightedRandom(nodes, tier, tried, usable),
                };
            }
        }
        return null;
    }

    private static bool Usable(InstanceNode node, Tier tier, List<InstanceNode>? tried) =>
        (tried is null || !tried.Contains(node)) && tier switch
        {
            Tier.Preferred => !node.Ejected && node.Instance.Metadata.Weight > 0,
            Tier.Draining => !node.Ejected,
            _ => true,
        };

    private static InstanceNode RoundRobin(InstanceNode[] nodes, Tier tier, List<InstanceNode>? tried, int turn)
    {
        int start = (int)((uint)turn % (uint)nodes.Length);
        for (int k = 0; ; k++)
        {
            InstanceNode node = nodes[(start + k) % nodes.Length];
            if (Usable(node, tier, tried))
            {
                return node;
            }
        }
    }

    private static InstanceNode LeastOutstanding(InstanceNode[] nodes, Tier tier, List<InstanceNode>? tried, int start)
    {
        // A random starting point breaks ties at random, so equal instances share the calls.
        InstanceNode? best = null;
        for (int k = 0; k < nodes.Length; k++)
        {
            InstanceNode node = nodes[(start + k) % nodes.Length];
            if (Usable(node, tier, tried) && (best is null || node.Outstanding < best.Outstanding))
            {
                best = node;
            }
        }
        return best!;
    }

    private static InstanceNode TwoChoices(InstanceNode[] nodes, Tier tier, List<InstanceNode>? tried, int usable)
    {
        if (usable == 1)
        {
            return Nth(nodes, tier, tried, 0);
        }
        int first = Random.Shared.Next(usable);
        int second = Random.Shared.Next(usable - 1);
        if (second >= first)
        {
            second++;
        }
        InstanceNode a = Nth(nodes, tier, tried, first);
        InstanceNode b = Nth(nodes, tier, tried, second);
        return b.Outstanding < a.Outstanding ? b : a;
    }

    private static InstanceNode WeightedRandom(InstanceNode[] nodes, Tier tier, List<InstanceNode>? tried, int usable)
    {
        long total = 0;
        foreach (InstanceNode node in nodes)
        {
            if (Usable(node, tier, tried))
            {
                total += Math.Max(0, node.Instance.Metadata.Weight);
            }
        }
        if (total == 0)
        {
            return Nth(nodes, tier, tried, Random.Shared.Next(usable));
        }
        long ticket = Random.Shared.NextInt64(total);
        InstanceNode? last = null;
        foreach (InstanceNode node in nodes)
        {
            if (!Usable(node, tier, tried))
            {
                continue;
            }
            last = node;
            ticket -= Math.Max(0, node.Instance.Metadata.Weight);
            if (ticket < 0)
            {
                return node;
            }
        }
        return last!;
    }

    private static InstanceNode Nth(InstanceNode[] nodes, Tier tier, List<InstanceNode>? tried, int n)
    {
        foreach (InstanceNode node in nodes)
        {
            if (Usable(node, tier, tried) && n-- == 0)
            {
                return node;
            }
        }
        throw new InvalidOperationException("fewer usable instances than counted");
    }
}
