using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Binding.Internal;
using OncRpc.Client;

namespace OncRpc.Binding;

/// <summary>
/// An <see cref="RpcClient"/> over every live instance of one (program, version), made by
/// <see cref="RpcBinder.Import"/>. The resolver is watched in the background and its view kept
/// in one array, so a call only picks from memory: steady-state calls pay nothing for the binder
/// beyond the pick. See docs/binder.md for the policies, health and failover rules.
/// </summary>
public sealed partial class RpcImportedClient : RpcClient
{
    private readonly IRpcResolver _resolver;
    private readonly RpcImportOptions _options;
    private readonly RpcClientOptions _clientOptions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstView = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _watching;
    private readonly ITimer? _healthTimer;
    private InstanceNode[] _nodes = [];
    private int _roundRobin;

    internal RpcImportedClient(IRpcResolver resolver, uint program, uint version, RpcImportOptions options)
    {
        _resolver = resolver;
        Program = program;
        Version = version;
        _options = options;
        _clientOptions = options.ClientOptions.Clone().Validate();
        _time = _clientOptions.TimeProvider;
        _logger = _clientOptions.LoggerFactory?.CreateLogger("OncRpc.Binding") ?? NullLogger.Instance;
        _watching = WatchAsync(_stop.Token);
        if (options.HealthCheckInterval != Timeout.InfiniteTimeSpan)
        {
            _healthTimer = _time.CreateTimer(static s => ((RpcImportedClient)s!).ProbeAll(), this,
                options.HealthCheckInterval, options.HealthCheckInterval);
        }
    }

    /// <summary>The program imported.</summary>
    public uint Program { get; }

    /// <summary>The version imported.</summary>
    public uint Version { get; }

    /// <summary>The instances in the current view (after the filter), with their health.</summary>
    public IReadOnlyList<RpcInstanceState> Instances =>
        [.. Volatile.Read(ref _nodes).Select(n => new RpcInstanceState(n.Instance, !n.Ejected, n.Outstanding,
            Interlocked.Read(ref n.Calls), Interlocked.Read(ref n.Failures)))];

    /// <summary>Completes when the resolver has yielded its first view.</summary>
    public Task WhenResolvedAsync(CancellationToken cancellationToken = default) => _firstView.Task.WaitAsync(cancellationToken);

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        _stop.Cancel();
        if (_healthTimer is not null)
        {
            await _healthTimer.DisposeAsync().ConfigureAwait(false);
            // A probe round still running sees the stop and ends; it must not outlive the client.
            await Volatile.Read(ref _probeRound).ConfigureAwait(false);
        }
        try
        {
            await _watching.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        foreach (InstanceNode node in Interlocked.Exchange(ref _nodes, []))
        {
            node.DropClient();
        }
        // _stop is not disposed: a call racing with disposal may still read its token, and a
        // source without a timer holds nothing to release.
    }
}
