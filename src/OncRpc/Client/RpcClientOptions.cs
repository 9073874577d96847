using Microsoft.Extensions.Logging;
using OncRpc.Auth;
using OncRpc.Transport;

namespace OncRpc.Client;

/// <summary>How an <see cref="RpcClient"/> calls: timeout, credentials, retransmission (UDP),
/// size limits, reconnection (stream transports) and logging. Read when the client is created;
/// changing an instance afterwards does not affect existing clients.</summary>
public sealed class RpcClientOptions
{
    /// <summary>Total time a call may take, retransmissions included (libtirpc's default
    /// clnt_call timeout is 25 s). <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.
    /// A call that runs out fails with <see cref="RpcException"/> status <see cref="RpcStatus.TimedOut"/>.
    /// Also bounds connection establishment. A call may set its own (<see cref="RpcCallOptions.Timeout"/>).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Credentials sent with every call that does not bring its own
    /// (<see cref="RpcCallOptions.Credentials"/>). Default AUTH_NONE.</summary>
    public RpcCredentials Credentials { get; set; } = RpcCredentials.None;

    /// <summary>UDP: wait before the first retransmission. Each later wait doubles, up to
    /// <see cref="MaxRetransmitInterval"/>. Every retransmission carries the original xid.</summary>
    public TimeSpan RetransmitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>UDP: the cap on the exponential backoff between retransmissions.</summary>
    public TimeSpan MaxRetransmitInterval { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>UDP: largest datagram sent or received (65507, the largest IPv4 UDP payload).
    /// A call that does not fit fails with <see cref="RpcStatus.MessageTooLarge"/>.</summary>
    public int MaxUdpDatagramSize { get; set; } = 65507;

    /// <summary>Stream transports: cap on a reply record, all fragments together. A larger reply
    /// closes the connection and fails its calls with <see cref="RpcStatus.MessageTooLarge"/>.</summary>
    public int MaxRecordSize { get; set; } = RecordMarking.DefaultMaxRecordSize;

    /// <summary>Stream transports: calls larger than this go out as several fragments.</summary>
    public int MaxFragmentSize { get; set; } = RecordMarking.DefaultMaxFragmentSize;

    /// <summary>Stream transports: after the connection is lost (its pending calls fail with
    /// <see cref="RpcStatus.ConnectionLost"/>), the next call connects again. When false, every
    /// later call fails with <see cref="RpcStatus.ConnectionLost"/>.</summary>
    public bool Reconnect { get; set; } = true;

    /// <summary>Stream transports, once the client serves callbacks (<see cref="RpcClient.Serve"/>):
    /// calls from the server that may run at once on one connection. The client keeps reading its
    /// replies meanwhile, so a call beyond the limit is answered SYSTEM_ERR rather than queued.</summary>
    public int MaxConcurrentCallbacks { get; set; } = 64;

    /// <summary>RPC-with-TLS (RFC 9289) on every TCP or Unix connection; null (the default) for
    /// plain connections. Ignored by UDP clients, which have no TLS (no DTLS in .NET).</summary>
    public Transport.RpcClientTlsOptions? Tls { get; set; }

    /// <summary>Logging; none when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Clock for call deadlines and retransmissions (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The client's clock, made by <see cref="Validate"/> on the client's own copy.</summary>
    internal Internal.ClientClock Clock { get; private set; } = null!;

    internal RpcClientOptions Validate()
    {
        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "the timeout must be positive or infinite");
        }
        if (RetransmitInterval <= TimeSpan.Zero || MaxRetransmitInterval < RetransmitInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(RetransmitInterval), RetransmitInterval,
                "the retransmit interval must be positive and not above MaxRetransmitInterval");
        }
        ArgumentNullException.ThrowIfNull(Credentials);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        Clock = new Internal.ClientClock(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxUdpDatagramSize, 64);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxUdpDatagramSize, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRecordSize, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFragmentSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentCallbacks, 1);
        return this;
    }

    internal RpcClientOptions Clone() => (RpcClientOptions)MemberwiseClone();
}
