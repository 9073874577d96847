using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using OncRpc.Diagnostics;

namespace OncRpc.Transport.Internal;

/// <summary>What an <see cref="EpollLoop"/> calls on its own thread.</summary>
internal interface IEpollHandler
{
    /// <summary>The socket is ready: <paramref name="events"/> holds EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits.</summary>
    void OnEvents(uint events);

    /// <summary>Work posted with <see cref="EpollLoop.Post"/>.</summary>
    void OnPosted();
}

/// <summary>User code a handler hands to <see cref="EpollLoop.RunAfterBatch"/>: an awaited call's
/// continuation, run on the loop thread (inline) or queued to the thread pool.</summary>
internal interface ILoopWork
{
    void Execute(bool inline);
}

/// <summary>
/// One thread waiting in epoll_wait for many sockets, and running their handlers itself, the way
/// libtirpc's svc_run does: a call that arrives is read, dispatched and, when its handler completes
/// synchronously, answered on this thread, so a call costs one wake-up instead of two (.NET's socket
/// engine wakes its own epoll thread and then a thread-pool worker). Handlers that await continue
/// elsewhere and never hold the loop. Registrations are slots with a generation, so an event for a
/// socket already closed is ignored rather than delivered to the slot's next owner.
/// <para>A loop may also run one piece of user code per wake-up (<see cref="RunAfterBatch"/>: the
/// client's awaited calls continue on the thread that read their reply, one wake-up per call as a
/// blocking caller has), after every event of the wake-up was handled. Such a loop watches itself
/// (<see cref="TakeOverWhenStuck"/>): when that code has not returned within a period or two, a
/// new thread takes over the epoll set and the stuck one leaves once the code returns, so user
/// code that blocks delays the loop's other sockets by a bounded time and never deadlocks them.
/// Its sockets are registered one-shot, so an event is only ever handled by the thread that
/// fetched it, even while two threads overlap.</para>
/// </summary>
internal sealed unsafe class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeData = ulong.MaxValue;
    private readonly int _epfd;
    private readonly int _wakeFd;
    private Thread _thread; // the owner: the thread that waits in epoll_wait (replaced on a take-over)
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<IEpollHandler> _posted = new();
    // The slot table. Written under _gate (Add, Release); read without it by the loop thread for
    // every event (Lookup). A slot holds an immutable Registration, so a lookup sees a handler and
    // the generation it was registered under together: an event whose token carries an older
    // generation finds a newer registration's generation in the slot and is dropped, whatever
    // the interleaving with another thread's Release and Add.
    private Registration?[] _slots = new Registration?[16];
    private uint[] _generations = new uint[16]; // the generation of each slot's current or next registration; under _gate
    private readonly Stack<int> _free = new();
    private int _used;
    private readonly Lock _wakeGate = new();
    private int _wakePending;
    private volatile bool _stopping;
    private bool _fdsClosed;

    // Inline user code (RunAfterBatch): the owner thread's slot, and an epoch that is odd while
    // such code runs; the watchdog takes the loop over when it sees the same odd epoch twice.
    private ILoopWork? _afterBatch;
    private long _userCodeEpoch;
    private long _stuckEpoch = -1;
    private int _owner;
    private long _takeOvers;

    public EpollLoop(string name, ILogger logger, TimeSpan maxSpin = default)
    {
        _logger = logger;
        _maxSpinTicks = (long)(maxSpin.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
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
        _name = name;
        _thread = StartOwner(0);
    }

    private readonly string _name;

    /// <summary>The longest the loop keeps looking for events without sleeping after handling
    /// some (<see cref="SpinWindow"/>), in Stopwatch ticks; 0: it sleeps in epoll_wait at once.</summary>
    private readonly long _maxSpinTicks;

    /// <summary>How many times a new thread took the loop over from one stuck in user code (for tests).</summary>
    internal long TakeOvers => Interlocked.Read(ref _takeOvers);

    private Thread StartOwner(int owner)
    {
        var thread = new Thread(static s => ((OwnerStart)s!).Run()) { IsBackground = true, Name = _name };
        thread.UnsafeStart(new OwnerStart(this, owner));
        return thread;
    }

    private sealed record OwnerStart(EpollLoop Loop, int Owner)
    {
        public void Run() => Loop.Run(Owner);
    }

    /// <summary>Turns on the watchdog for <see cref="RunAfterBatch"/>: every <paramref name="period"/>,
    /// a loop found in the same user code as at the previous look is taken over by a new thread.
    /// The watchdog is a sleeping thread of its own, not a timer: a timer's callback would wake a
    /// pool worker each period, which then spins on the core the loop may share.</summary>
    public void TakeOverWhenStuck(TimeSpan period)
    {
        int milliseconds = Math.Max(1, (int)period.TotalMilliseconds);
        var watchdog = new Thread(() =>
        {
            while (!_stopping)
            {
                Thread.Sleep(milliseconds);
                CheckStuck();
            }
        })
        { IsBackground = true, Name = _name + " watchdog" };
        watchdog.UnsafeStart();
    }

    private void CheckStuck()
    {
        long epoch = Volatile.Read(ref _userCodeEpoch);
        if ((epoch & 1) == 0 || epoch != _stuckEpoch)
        {
            _stuckEpoch = epoch;
            return;
        }
        _stuckEpoch = -1;
        lock (_gate)
        {
            // Even again (unless the code returned meanwhile): the new owner runs no user code yet.
            if (_stopping || Interlocked.CompareExchange(ref _userCodeEpoch, epoch + 1, epoch) != epoch)
            {
                return;
            }
            // The stuck thread leaves once its user code returns (Run checks the owner). It runs
            // user code only after handling every event it fetched, so nothing is left behind.
            int owner = Volatile.Read(ref _owner) + 1;
            Volatile.Write(ref _owner, owner);
            Interlocked.Increment(ref _takeOvers);
            _thread = StartOwner(owner);
        }
    }

    /// <summary>Loop thread, from a handler: runs <paramref name="work"/> on this thread once every
    /// event of this wake-up has been handled (<see cref="ILoopWork.Execute"/> with inline true).
    /// One piece per wake-up: work handed over earlier in the same wake-up is queued to the thread
    /// pool instead.</summary>
    public void RunAfterBatch(ILoopWork work)
    {
        ILoopWork? earlier = _afterBatch;
        _afterBatch = work;
        earlier?.Execute(inline: false);
    }

    /// <summary>Loop-thread scratch space: what a handler reads into when it holds no partial record.
    /// Large enough for any record <see cref="Transport.RecordDecoder"/> waits for whole (256 KiB), so
    /// a 64 KiB call usually arrives and runs without being copied to a buffer of its connection's.</summary>
    public byte[] ReadBuffer { get; } = GC.AllocateUninitializedArray<byte>(256 * 1024 + 64);

    /// <summary>Loop-thread scratch space: replies gathered during one handler invocation.</summary>
    public PooledBufferWriter Batch { get; } = new(16 * 1024);

    /// <summary>True on the loop's own thread.</summary>
    public bool IsLoopThread => Environment.CurrentManagedThreadId == _thread.ManagedThreadId;

    /// <summary>True when work posted from another thread (<see cref="Post"/>) waits for the loop.</summary>
    public bool HasPostedWork => !_posted.IsEmpty;

    /// <summary>Odd while handed-over user code runs on the loop's thread (<see cref="RunAfterBatch"/>),
    /// even otherwise; it moves on with every run (and with a take-over), so code on the loop's
    /// thread can tell whether it is still in the same run.</summary>
    public long UserCodeEpoch => Volatile.Read(ref _userCodeEpoch);

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
                if (_used == _slots.Length)
                {
                    // Copied whole before it is published: a lookup reads the old table or the new.
                    var grown = new Registration?[_used * 2];
                    Array.Copy(_slots, grown, _used);
                    Volatile.Write(ref _slots, grown);
                    Array.Resize(ref _generations, _used * 2);
                }
                slot = _used++;
            }
            uint generation = _generations[slot];
            Volatile.Write(ref _slots[slot], new Registration(handler, generation));
            token = ((ulong)generation << 32) | (uint)slot;
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
            if (_slots[slot] is { } registration && registration.Generation == (uint)(token >> 32))
            {
                Volatile.Write(ref _slots[slot], null);
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

    private void Run(int owner)
    {
        int stride = Libc.EpollEventSize;
        int dataOffset = Libc.EpollDataOffset;
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * stride));
        try
        {
            var spin = new SpinWindow(_maxSpinTicks);
            while (!_stopping && Volatile.Read(ref _owner) == owner)
            {
                bool spinning = spin.Continues();
                int n = Libc.EpollWait(_epfd, events, MaxEvents, spinning ? 0 : -1);
                if (n == 0)
                {
                    // Spinning and nothing came: let a thread waiting for this CPU (the peer,
                    // when both share one) run before looking again, unless the CPU is contended.
                    if (spin.Yields)
                    {
                        Thread.Yield();
                    }
                    continue;
                }
                if (n > 0)
                {
                    spin.Woke(spinning);
                }
                if (n < 0)
                {
                    int errno = Libc.ErrnoAfterFailure();
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
                if (_afterBatch is { } work)
                {
                    _afterBatch = null;
                    RunUserCode(work);
                }
            }
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    /// <summary>Runs handed-over user code, marked for the watchdog. A failure is the user's:
    /// rethrown on the thread pool, as an exception escaping a pool-run continuation would be.</summary>
    private void RunUserCode(ILoopWork work)
    {
        long epoch = Interlocked.Increment(ref _userCodeEpoch); // odd: in user code
        try
        {
            work.Execute(inline: true);
        }
        catch (Exception e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo captured = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            ThreadPool.UnsafeQueueUserWorkItem(static c => c.Throw(), captured, preferLocal: false);
        }
        finally
        {
            // Back to even, unless a take-over moved the epoch on already.
            Interlocked.CompareExchange(ref _userCodeEpoch, epoch + 1, epoch);
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

    /// <summary>The handler an event's token names, or null when that registration is gone (its
    /// slot empty or reused). Lock-free: see <see cref="_slots"/>. A Release on this thread is
    /// seen by every later lookup here, so events already fetched for a socket this thread removed
    /// are ignored; a Release racing on another thread may let one such event through to the
    /// handler being removed (as when it comes just before), never to the slot's next owner.</summary>
    private IEpollHandler? Lookup(ulong token)
    {
        Registration?[] slots = Volatile.Read(ref _slots);
        uint slot = (uint)token;
        Registration? registration = slot < (uint)slots.Length ? Volatile.Read(ref slots[slot]) : null;
        return registration is not null && registration.Generation == (uint)(token >> 32) ? registration.Handler : null;
    }

    /// <summary>A socket's registration: its handler and the generation its token carries.</summary>
    private sealed class Registration(IEpollHandler handler, uint generation)
    {
        public IEpollHandler Handler { get; } = handler;

        public uint Generation { get; } = generation;
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
