namespace OncRpc.Tests.Support;

/// <summary>Waits for a state that servers, clients or etcd reach by themselves (an ejection, a
/// new view, a lease that runs out), looking every few milliseconds, and fails after a bound.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static Task ReachedAsync(Func<bool> condition, string what) => ReachedAsync(() => Task.FromResult(condition()), what);

    public static async Task ReachedAsync(Func<Task<bool>> condition, string what)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (!await condition())
        {
            if (bound.IsCancellationRequested)
            {
                Assert.Fail($"not reached in {Bound}: {what}");
            }
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
