namespace OncRpc.Testing.Faults;

/// <summary>
/// One direction's partition switch. While partitioned, pumps stop before writing: the bytes
/// already read wait (at most one buffer per connection) and TCP's own flow control holds the
/// rest at the sender, as a real partition would; healing lets everything through in order.
/// </summary>
internal sealed class PartitionGate
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _open = NewOpen();

    public bool IsPartitioned
    {
        get
        {
            lock (_lock)
            {
                return !_open.Task.IsCompleted;
            }
        }
    }

    public void Partition()
    {
        lock (_lock)
        {
            if (_open.Task.IsCompleted)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Heal()
    {
        lock (_lock)
        {
            _open.TrySetResult();
        }
    }

    public Task WaitOpenAsync(CancellationToken cancellationToken)
    {
        Task open;
        lock (_lock)
        {
            open = _open.Task;
        }
        return open.IsCompleted ? Task.CompletedTask : open.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource NewOpen()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
