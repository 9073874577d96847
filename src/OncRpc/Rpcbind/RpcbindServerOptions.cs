namespace OncRpc.Rpcbind;

/// <summary>Policies of an in-process <see cref="RpcbindServer"/>. The defaults are the safe
/// ones: registration only by local callers, indirect calls only for local callers.</summary>
public sealed class RpcbindServerOptions
{
    /// <summary>Forward CALLIT / BCAST / INDIRECT (and PMAPPROC_CALLIT) for callers that are not
    /// local (loopback or the Unix socket). Off by default: indirect calls let anyone who can reach
    /// port 111 make this host call its services, which amplifies and disguises traffic (the
    /// reason Linux's rpcbind also restricts remote calls by default).</summary>
    public bool AllowRemoteIndirectCalls { get; set; }

    /// <summary>How long a forwarded call may take (libtirpc's rpcbind uses 3 s for rmtcalls).</summary>
    public TimeSpan ForwardTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Forwarded calls in flight at once; beyond it indirect calls fail at once.</summary>
    public int MaxConcurrentForwards { get; set; } = 32;

    /// <summary>Registrations kept; SET beyond it answers false.</summary>
    public int MaxRegistrations { get; set; } = 4096;

    internal RpcbindServerOptions Validate()
    {
        if (ForwardTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ForwardTimeout), ForwardTimeout, "must be positive");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentForwards, 1, nameof(MaxConcurrentForwards));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRegistrations, 1, nameof(MaxRegistrations));
        return (RpcbindServerOptions)MemberwiseClone();
    }
}
