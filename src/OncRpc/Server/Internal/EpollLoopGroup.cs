using Microsoft.Extensions.Logging;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>The server's event loops; sockets are spread over them round robin.</summary>
internal sealed class EpollLoopGroup : IDisposable
{
    private readonly EpollLoop[] _loops;
    private int _next = -1;

    public EpollLoopGroup(int count, ILogger logger)
    {
        _loops = new EpollLoop[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                _loops[i] = new EpollLoop($"OncRpc event loop {i}", logger);
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
