using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// The process's one event loop for clients' awaited calls on Linux (<see cref="EpollLoop"/>, the
/// server's kind): it reads replies for the connections and UDP sockets whose reader role it holds
/// and runs an awaited call's continuation on its own thread when nothing else of that socket
/// needs it (ReplyReader.Loop.cs). User code there may block: the loop's watchdog hands the epoll
/// set to a new thread after <see cref="StuckPeriod"/> to two, so other sockets wait that long at
/// most. Started on first use; a process making only blocking calls never starts it.
/// </summary>
internal static class ClientEventLoop
{
    /// <summary>How often the watchdog looks at user code running on the loop.</summary>
    public static readonly TimeSpan StuckPeriod = TimeSpan.FromMilliseconds(10);

    private static readonly Lazy<EpollLoop> s_loop = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    public static bool IsSupported => Libc.IsSupported;

    public static EpollLoop Shared => s_loop.Value;

    private static EpollLoop Create()
    {
        var loop = new EpollLoop("OncRpc client loop", NullLogger.Instance);
        loop.TakeOverWhenStuck(StuckPeriod);
        return loop;
    }
}
