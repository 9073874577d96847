using Microsoft.Extensions.Logging;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>The server's event loops; sockets are spread over them round robin.</summary>
internal sealed class EpollLoopGroup : IDisposable
{
    private readonly EpollLoop[] _loops;
    private int _next = -1;

    /// <summary>The longest a server loop polls for more events before it sleeps (see
    /// <see cref="SpinWindow"/>): about what a NULL call's round trip takes on loopback, so a
    /// client that sends its next call at once finds the loop awake.</summary>
    internal static readonly TimeSpan MaxSpin = TimeSpan.FromMicroseconds(50);

    public EpollLoopGroup(int count, ILogger logger)
    {
        _loops = new EpollLoop[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                _loops[i] = new EpollLoop($"OncRpc event loop {i}", logger, MaxSpin);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public EpollLoop Next() => _loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)_loops.Length)];

    public void Dispose()
    {
        foreach (EpollLoop? loop in _loops)
        {
            loop?.Dispose();
        }
    }
}
