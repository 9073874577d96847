using OncRpc.Auth;

namespace OncRpc.Client.Internal;

/// <summary>
/// What stays fixed across every send of one call: its xid (a resend keeps it, so the server's
/// duplicate-request cache recognises the call), its deadline in <see cref="ClientClock"/>
/// milliseconds (<see cref="long.MaxValue"/>: none) with the timeout it came from, and the
/// credentials it is sent with (the client's, or the call's own from <see cref="RpcCallOptions"/>).
/// </summary>
internal readonly record struct CallAttempt(uint Xid, long DeadlineMs, TimeSpan Timeout, RpcCredentials Credentials);

/// <summary>A client's clock for deadlines and retransmissions: milliseconds from its
/// <see cref="TimeProvider"/>, so tests drive them in virtual time.</summary>
internal sealed class ClientClock(TimeProvider time)
{
    private readonly long _origin = time.GetTimestamp();
    private readonly bool _system = ReferenceEquals(time, TimeProvider.System);

    public TimeProvider Time { get; } = time;

    /// <summary>Milliseconds on this clock. The system clock reads the cheap coarse tick count
    /// (each call reads it more than once); any other provider is asked.</summary>
    public long NowMs => _system ? Environment.TickCount64 : (long)Time.GetElapsedTime(_origin).TotalMilliseconds;

    /// <summary>Now plus <paramref name="timeout"/>; <see cref="long.MaxValue"/> when infinite.</summary>
    public long DeadlineAfter(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : NowMs + (long)timeout.TotalMilliseconds;
}
