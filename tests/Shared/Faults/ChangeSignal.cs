namespace OncRpc.Testing.Faults;

/// <summary>
/// Lets a test wait, bounded, until a proxy's state satisfies a condition, without polling with
/// <see cref="Task.Delay(TimeSpan)"/>: every change pulses the signal and the waiter re-checks.
/// </summary>
internal sealed class ChangeSignal
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse()
    {
        TaskCompletionSource fired;
        lock (_lock)
        {
            fired = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fired.TrySetResult();
    }

    /// <summary>Waits until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/>
    /// with <paramref name="describe"/>'s account when it does not within <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            Task next;
            lock (_lock)
            {
                next = _changed.Task;
            }
            // Checked after taking the task, so a change between the two is never missed.
            if (condition())
            {
                return;
            }
            try
            {
                await next.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"condition not met within {timeout.TotalSeconds} s: {describe()}");
            }
        }
    }
}
