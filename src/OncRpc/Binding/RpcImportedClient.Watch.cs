using System.Net;
using OncRpc.Binding.Internal;

namespace OncRpc.Binding;

public sealed partial class RpcImportedClient
{
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan s_maxRetry = TimeSpan.FromSeconds(10);

    /// <summary>Follows the resolver until disposal. When the watch fails the last view stays in
    /// use and the watch starts again after a backoff (100 ms doubling to 10 s): a registry that
    /// is down must not stop calls to servers that are up.</summary>
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // the constructor must not run the resolver's first steps
        TimeSpan backoff = s_firstRetry;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (IReadOnlyList<RpcInstance> view in _resolver.WatchAsync(Program, Version, cancellationToken).ConfigureAwait(false))
                {
                    Apply(view);
                    backoff = s_firstRetry;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                BindingLog.WatchFailed(_logger, e, Program, Version, backoff);
            }
            await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, s_maxRetry.Ticks));
        }
    }

    /// <summary>Makes <paramref name="view"/> the current set: instances already known keep their
    /// connection, counters and health; those gone have their connection closed.</summary>
    private void Apply(IReadOnlyList<RpcInstance> view)
    {
        InstanceNode[] old = Volatile.Read(ref _nodes);
        var next = new List<InstanceNode>(view.Count);
        foreach (RpcInstance instance in view)
        {
            if (instance.EndPointFor(_options.Transport) is not { } endPoint
                || (_options.Filter is { } filter && !filter.Permits(instance)))
            {
                continue;
            }
            InstanceNode? kept = Array.Find(old, n => n.Instance.Id == instance.Id && SameEndPoint(n.EndPoint, endPoint));
            if (kept is not null)
            {
                kept.Instance = instance; // metadata (weight, zone) may have changed
                next.Add(kept);
            }
            else
            {
                next.Add(new InstanceNode(instance, endPoint, _options.Transport, _clientOptions));
            }
        }
        InstanceNode[] nodes = [.. next];
        Volatile.Write(ref _nodes, nodes);
        foreach (InstanceNode gone in old)
        {
            if (!nodes.Contains(gone))
            {
                gone.DropClient();
            }
        }
        _firstView.TrySetResult();
    }

    private static bool SameEndPoint(EndPoint a, EndPoint b) => a.Equals(b) || a.ToString() == b.ToString();
}
