using OncRpc.Client;
using OncRpc.Xdr;

namespace OncRpc.Tests.Binding;

/// <summary>Callers that call <see cref="BinderCluster.Echo"/> in a loop until disposed, each
/// checking its answer, counting successes and keeping every failure.</summary>
internal sealed class ContinuousCallers : IAsyncDisposable
{
    private static readonly TimeSpan s_stopBound = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Exception> _failures = [];
    private readonly Task[] _callers;
    private int _completed;

    public ContinuousCallers(RpcClient client, int callers, CancellationToken cancellationToken) =>
        _callers = [.. Enumerable.Range(0, callers).Select(_ => Task.Run(() => CallAsync(client, cancellationToken), cancellationToken))];

    public int Completed => Volatile.Read(ref _completed);

    /// <summary>Stops the callers and returns the failures they met.</summary>
    public async Task<IReadOnlyList<Exception>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_callers).WaitAsync(s_stopBound);
        lock (_failures)
        {
            return [.. _failures];
        }
    }

    private async Task CallAsync(RpcClient client, CancellationToken cancellationToken)
    {
        for (int i = 0; !_stop.IsCancellationRequested; i++)
        {
            try
            {
                Assert.Equal(i, (await client.CallAsync<XdrInt, XdrInt>(BinderCluster.Echo, new XdrInt(i), cancellationToken)).Value);
                Interlocked.Increment(ref _completed);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                lock (_failures)
                {
                    _failures.Add(e);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
    }
}
