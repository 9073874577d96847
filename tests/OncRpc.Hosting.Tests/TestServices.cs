using OncRpc.Hosting.Tests.Generated;
using OncRpc.Server;

namespace OncRpc.Hosting.Tests;

/// <summary>Counts instances and disposals of the services the tests activate.</summary>
internal sealed class Tally
{
    private int _created;
    private int _disposed;

    public int Created => Volatile.Read(ref _created);

    public int Disposed => Volatile.Read(ref _disposed);

    public int NextInstance() => Interlocked.Increment(ref _created);

    public void OnDisposed() => Interlocked.Increment(ref _disposed);
}

/// <summary>A scoped dependency: one per call under the per-call lifetime.</summary>
internal sealed class CallScoped(Tally tally) : IDisposable
{
    public int Instance { get; } = tally.NextInstance();

    public void Dispose() => tally.OnDisposed();
}

/// <summary>RLOG answers the instance number of its scoped dependency.</summary>
internal sealed class InstanceLogService(CallScoped scoped) : LogV1ServiceBase
{
    public override ValueTask<int> RlogAsync(string arg, RpcCallContext context) => ValueTask.FromResult(scoped.Instance);
}

/// <summary>RLOG "throw" throws; "wait" waits for <see cref="Gate"/> or the call's cancellation;
/// anything else answers its length.</summary>
internal sealed class ScriptedLogService(Gate gate) : LogV1ServiceBase
{
    public override async ValueTask<int> RlogAsync(string arg, RpcCallContext context)
    {
        switch (arg)
        {
            case "throw":
                throw new InvalidOperationException("the disk is full");
            case "wait":
                gate.Entered.TrySetResult();
                try
                {
                    await gate.Release.Task.WaitAsync(context.CancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    gate.Cancelled.TrySetResult();
                    throw;
                }
                return 7;
            default:
                return arg.Length;
        }
    }
}

/// <summary>Lets a test hold a handler inside its call.</summary>
internal sealed class Gate
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
