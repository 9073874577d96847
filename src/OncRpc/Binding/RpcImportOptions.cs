using OncRpc.Client;

namespace OncRpc.Binding;

/// <summary>How an imported client (<see cref="RpcBinder.Import"/>) picks, watches and leaves
/// instances. Read once at import.</summary>
public sealed class RpcImportOptions
{
    /// <summary>How each call picks its instance.</summary>
    public RpcBalancingPolicy Policy { get; set; } = RpcBalancingPolicy.PowerOfTwoChoices;

    /// <summary>Which instances may be used at all; null: every instance.</summary>
    public RpcInstanceFilter? Filter { get; set; }

    /// <summary>The transport calls use; instances without an end point for it are skipped.</summary>
    public RpcTransportKind Transport { get; set; } = RpcTransportKind.Tcp;

    /// <summary>Options of the connection to each instance (timeout, credentials, clock...).</summary>
    public RpcClientOptions ClientOptions { get; set; } = new();

    /// <summary>How often every instance is called with procedure 0 (NULL); one that does not
    /// answer is ejected, an ejected one that answers returns. <see cref="Timeout.InfiniteTimeSpan"/>
    /// turns polling off (ejected instances then return after <see cref="EjectionTime"/>).</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a health probe waits for its answer.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Without polling, how long an instance stays ejected after a failure.</summary>
    public TimeSpan EjectionTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Other instances a failed call may be tried on, when that is safe (see
    /// docs/binder.md): at-least-once calls after any transport failure, at-most-once calls only
    /// when the connection could not be made (nothing was sent).</summary>
    public int MaxFailovers { get; set; } = 2;

    internal RpcImportOptions Validate()
    {
        ArgumentNullException.ThrowIfNull(ClientOptions, nameof(ClientOptions));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxFailovers, nameof(MaxFailovers));
        if (HealthCheckInterval != Timeout.InfiniteTimeSpan && HealthCheckInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HealthCheckInterval), HealthCheckInterval, "must be positive or infinite");
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HealthCheckTimeout, TimeSpan.Zero, nameof(HealthCheckTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(EjectionTime, TimeSpan.Zero, nameof(EjectionTime));
        return this;
    }
}
