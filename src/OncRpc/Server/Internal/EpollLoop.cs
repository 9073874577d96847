using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using OncRpc.Diagnostics;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>What an <see cref="EpollLoop"/> calls on its own thread.</summary>
internal interface IEpollHandler
{
    /// <summary>The socket is ready: <paramref name="events"/> holds EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits.</summary>
    void OnEvents(uint events);

    /// <summary>Work posted with <see cref="EpollLoop.Post"/>.</summary>
    void OnPosted();
}

/// <summary>
/// One thread waiting in epoll_wait for many sockets, and running their handlers itself, the way
/// libtirpc's svc_run does: a call that arrives is read, dispatched and, when its handler completes
/// synchronously, answered on this thread, so a call costs one wake-up instead of two (.NET's socket
/// engine wakes its own epoll thread and then a thread-pool worker). Handlers that await continue
/// elsewhere and never hold the loop. Registrations are slots with a generation, so an event for a
/// socket already closed is ignored rather than delivered to the slot's next owner.
/// </summary>
internal sealed unsafe class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeData = ulong.MaxValue;
    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<IEpollHandler> _posted = new();
    private IEpollHandler?[] _handlers = new IEpollHandler?[16];
    private uint[] _generations = new uint[16];
    private readonly Stack<int> _free = new();
    private int _used;
    private readonly Lock _wakeGate = new();
    private int _wakePending;
    private volatile bool _stopping;
    private bool _fdsClosed;

    public EpollLoop(string name, ILogger logger)
    {
        _logger = logger;
        _epfd = Libc.EpollCreate(Libc.EPOLL_CLOEXEC);
        if (_epfd < 0)
        {
            throw new IOException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }
        _wakeFd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (_wakeFd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.Close(_epfd);
            throw new IOException($"eventfd failed: errno {errno}");
        }
        byte* ev = stackalloc byte[16];
        Libc.WriteEvent(new Span<byte>(ev, 16), Libc.EPOLLIN, WakeData);
        if (Libc.EpollCtl(_epfd, Libc.EPOLL_CTL_ADD, _wakeFd, ev) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Libc.Close(_wakeFd);
            Libc.Close(_epfd);
            throw new IOException($"epoll_ctl(eventfd) failed: errno {errno}");
        }
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.UnsafeStart();
    }

    /// <summary>Loop-thread scratch space: what a handler reads into when it holds no partial record.
    /// Large enough for any record <see cref="Transport.RecordDecoder"/> waits for whole (256 KiB), so
    /// a 64 KiB call usually arrives and runs without being copied to a buffer of its connection's.</summary>
    public byte[] ReadBuffer { get; } = GC.AllocateUninitializedArray<byte>(256 * 1024 + 64);

    /// <summary>Loop-thread scratch space: replies gathered during one handler invocation.</summary>
    public PooledBufferWriter Batch { get; } = new(16 * 1024);

    /// <summary>True on the loop's own thread.</summary>
    public bool IsLoopThread => Environment.CurrentManagedThreadId == _thread.ManagedThreadId;

    /// <summary>Adds <paramref name="socket"/> with interest <paramref name="events"/>; returns the
    /// registration token for <see cref="Modify"/> and <see cref="Remove"/>.</summary>
    public ulong Add(SafeHandle socket, uint events, IEpollHandler handler)
    {
        ulong token;
        lock (_gate)
        {
            int slot;
            if (_free.Count > 0)
            {
                slot = _free.Pop();
            }
            else
            {
                if (_used == _handlers.Length)
                {
                    Array.Resize(ref _handlers, _used * 2);
                    Array.Resize(ref _generations, _used * 2);
                }
                slot = _used++;
            }
            _handlers[slot] = handler;
            token = ((ulong)_generations[slot] << 32) | (uint)slot;
        }
        if (!Control(Libc.EPOLL_CTL_ADD, socket, events, token, out int errno))
        {
            Release(token);
            throw new IOException($"epoll_ctl(ADD) failed: errno {errno}");
        }
        return token;
    }

    /// <summary>Changes the interest set. False when the socket is already closed.</summary>
    public bool Modify(SafeHandle socket, ulong token, uint events) =>
        Control(Libc.EPOLL_CTL_MOD, socket, events, token, out _);

    /// <summary>Removes the socket (if still open) and frees its slot: events already fetched for it
    /// are then ignored.</summary>
    public void Remove(SafeHandle socket, ulong token)
    {
        Control(Libc.EPOLL_CTL_DEL, socket, 0, token, out _);
        Release(token);
    }

    private void Release(ulong token)
    {
        int slot = (int)(uint)token;
        lock (_gate)
        {
            if (_generations[slot] == (uint)(token >> 32) && _handlers[slot] is not null)
            {
                _handlers[slot] = null;
                _generations[slot]++;
                _free.Push(slot);
            }
        }
    }

    private bool Control(int op, SafeHandle socket, uint events, ulong token, out int errno)
    {
        byte* ev = stackalloc byte[16];
        Libc.WriteEvent(new Span<byte>(ev, 16), events, token);
        try
        {
            lock (_wakeGate)
            {
                if (_fdsClosed)
                {
                    errno = 9; // EBADF: the loop is gone
                    return false;
                }
                if (Libc.EpollCtl(_epfd, op, socket, ev) == 0)
                {
                    errno = 0;
                    return true;
                }
                errno = Marshal.GetLastPInvokeError();
                return false;
            }
        }
        catch (ObjectDisposedException)
        {
            errno = 9; // EBADF: the socket was closed, which removed it from the epoll set
            return false;
        }
    }

    /// <summary>Runs <paramref name="handler"/>'s <see cref="IEpollHandler.OnPosted"/> on the loop
    /// thread soon (from any thread).</summary>
    public void Post(IEpollHandler handler)
    {
        _posted.Enqueue(handler);
        Wake();
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            lock (_wakeGate)
            {
                // Never write to a closed descriptor's number: it may belong to someone else by now.
                if (!_fdsClosed)
                {
                    ulong one = 1;
                    Libc.Write(_wakeFd, (byte*)&one, sizeof(ulong));
                }
            }
        }
    }

    private void Run()
    {
        int stride = Libc.EpollEventSize;
        int dataOffset = Libc.EpollDataOffset;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * stride));
        try
        {
            while (!_stopping)
            {
                int n = Libc.EpollWait(_epfd, events, MaxEvents, -1);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }
                    ServerLog.EventLoopFailed(_logger, _thread.Name!, errno);
                    return;
                }
                for (int i = 0; i < n; i++)
                {
                    byte* e = events + (i * stride);
                    uint bits = *(uint*)e;
                    ulong token = *(ulong*)(e + dataOffset);
                    if (token == WakeData)
                    {
                        DrainWake();
                        continue;
                    }
                    IEpollHandler? handler = Lookup(token);
                    if (handler is not null)
                    {
                        Invoke(handler, bits, posted: false);
                    }
                }
                while (_posted.TryDequeue(out IEpollHandler? handler))
                {
                    Invoke(handler, 0, posted: true);
                }
            }
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    private void Invoke(IEpollHandler handler, uint bits, bool posted)
    {
        try
        {
            if (posted)
            {
                handler.OnPosted();
            }
            else
            {
                handler.OnEvents(bits);
            }
        }
        catch (Exception e)
        {
            // A handler bug must not take down every connection of the loop.
            ServerLog.EventHandlerFailed(_logger, e, _thread.Name!);
        }
    }

    private IEpollHandler? Lookup(ulong token)
    {
        int slot = (int)(uint)token;
        lock (_gate)
        {
            return slot < _used && _generations[slot] == (uint)(token >> 32) ? _handlers[slot] : null;
        }
    }

    private void DrainWake()
    {
        Volatile.Write(ref _wakePending, 0);
        ulong value;
        Libc.Read(_wakeFd, (byte*)&value, sizeof(ulong));
    }

    /// <summary>Stops the thread (after the current batch) and closes the epoll instance. The
    /// registered sockets belong to their owners and are not closed.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        Volatile.Write(ref _wakePending, 0);
        Wake();
        if (!IsLoopThread)
        {
            _thread.Join();
        }
        lock (_wakeGate)
        {
            _fdsClosed = true;
            Libc.Close(_wakeFd);
            Libc.Close(_epfd);
        }
        Batch.Dispose();
    }
}
