using System.Net;

namespace OncRpc.Server.Internal;

/// <summary>An accepted stream connection, as the server manages it, whichever I/O model serves it
/// (<see cref="EpollStreamConnection"/> on Linux, <see cref="StreamConnection"/> elsewhere).</summary>
internal interface IServerConnection
{
    EndPoint? RemoteEndPoint { get; }

    /// <summary>Completes when the connection is closed and its calls have finished.</summary>
    Task Completion { get; }

    void Start();

    /// <summary>Graceful stop: read no more calls; those in flight finish and are answered,
    /// then the connection closes.</summary>
    void StopReading();

    /// <summary>Closes the connection now: the calls' tokens fire, the socket closes.</summary>
    void Abort();

    /// <summary>Called periodically: closes a connection idle (nothing received, no call in
    /// flight) or with a reply stuck in the socket for longer than the idle timeout.</summary>
    void CheckIdle(long now, long idleMilliseconds);
}
