using System.Runtime.InteropServices;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>What a socket's reader does on the client's event loop (<see cref="LoopReader"/>).</summary>
internal interface ILoopSocketReader : ISyncReader
{
    /// <summary>Loop thread, holding the role: reads what the socket holds without blocking and
    /// dispatches it (with <see cref="LoopReader.IsReading"/> true, so awaited calls' outcomes are
    /// held). With <paramref name="toTheEnd"/> it reads until the socket says it is empty (or
    /// ended, or failed), taking no shortcut: the edge that announced an end of stream or an error
    /// may have been the one that also announced the bytes, and no later edge announces it again.
    /// Returns false when it stopped with bytes possibly left (its read bound); a failure closes
    /// the table itself.</summary>
    bool ReadAvailable(bool toTheEnd);
}

/// <summary>
/// The async reader of one plain socket (a TCP/Unix connection or the UDP socket) on Linux: the
/// client's event loop (<see cref="ClientEventLoop"/>) holds the socket's <see cref="ReaderRole"/>
/// instead of a pump task on .NET's socket engine, whose own epoll thread hands each completion to
/// a pool worker (two wake-ups per awaited call; one here, as for a blocking caller).
/// <para>Invariant: the socket is registered once, edge-triggered. The loop reads only for the
/// role holder: <see cref="_armed"/> is set by whoever holds the role for the loop (the waker, or
/// the handler reading on), and a handler proceeds only by consuming it, so one handler reads per
/// arming. An edge that finds nobody armed leaves <see cref="_ready"/> set; arming consumes it and
/// posts a read to the loop, so bytes that came while the role was elsewhere are not left unread.
/// (Set-then-check on both sides, each with a full fence: at least one sees the other.) A handler
/// may stop at a short read only when its edge reported no hang-up or error: an end of stream
/// that came with the bytes gets no edge of its own later.</para>
/// <para>The reply of an awaited call read here is held (<see cref="ReaderRole.Hold"/>) until the
/// loop is done reading; when the loop then gives the role up (nothing left pending) the call
/// continues inline on the loop thread after the wake-up's other events
/// (<see cref="EpollLoop.RunAfterBatch"/>): nothing of this socket waits on that thread, and a
/// continuation that calls again, blocking or not, finds the role free. When the loop reads on,
/// the continuation goes to the thread pool.</para>
/// <para>A sequential caller on the loop's own thread (such a continuation calling again) may wait
/// for its reply in its own socket instead (<see cref="AfterSend"/>), as a blocking caller does:
/// one wake-up with no epoll_wait and no hand-over. Invariant: the loop thread waits in a socket
/// only inside user code, for a call that is the only one pending on that socket, while the loop
/// holds no other reader's role (<see cref="s_heldByLoop"/>) and has no posted work, for at most
/// <see cref="SocketWaitMilliseconds"/> per wait and <see cref="ChainMilliseconds"/> per chain of
/// waits without a return to the loop. So another socket's reader, armed while the thread waits,
/// waits for the loop at most one such wait, and a chain of calls completed this way ends well
/// within the loop's watchdog period (<see cref="ClientEventLoop.StuckPeriod"/>): it is never
/// taken for stuck user code.</para>
/// </summary>
internal sealed class LoopReader : IEpollHandler
{
    /// <summary>The longest one wait of a caller in its own socket on the loop's thread (the
    /// socket's receive timeout once it has had one); then the loop reads, as for any call.</summary>
    public const int SocketWaitMilliseconds = 2;

    /// <summary>How long the loop's thread may go on completing calls in their sockets without a
    /// return to the loop, from the first send of the chain (then the next call goes through the loop).</summary>
    private const int ChainMilliseconds = 2;

    private static readonly long s_chainTicks = ChainMilliseconds * System.Diagnostics.Stopwatch.Frequency / 1000;

    /// <summary>Readers whose role the loop holds (armed or reading): incremented when one is
    /// handed to the loop (<see cref="Wake"/>), decremented when the loop gives it up or lets the
    /// socket go. A hint: a hand-over racing with a check is seen at the next one.</summary>
    private static int s_heldByLoop;

    /// <summary>Loop thread only: the run of user code (<see cref="EpollLoop.UserCodeEpoch"/>) of the
    /// current chain of waits in a socket, and when that chain began (a Stopwatch timestamp).</summary>
    private static long s_chainEpoch;
    private static long s_chainStarted;

    private readonly SafeHandle _handle;
    private readonly PendingCallTable _pending;
    private readonly ILoopSocketReader _reader;
    private readonly Action<RpcException> _fail;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _registrationGate = new(); // _registration is assigned once the add returned
    private ulong _registration;
    private bool _registered; // written by the role holder; read by Nudge as a hint
    private int _armed;
    private int _ready;
    private SendTiming _sendTiming; // callers' sends on this socket (see AfterSend)
    private bool _waitsShort; // role holder only: the socket's receive timeout is SocketWaitMilliseconds

    public LoopReader(SafeHandle handle, PendingCallTable pending, ILoopSocketReader reader, Action<RpcException> fail)
    {
        _handle = handle;
        _pending = pending;
        _reader = reader;
        _fail = fail;
        Role = new ReaderRole(Wake);
    }

    public ReaderRole Role { get; }

    /// <summary>Completes once the table closed and the loop let the socket go.</summary>
    public Task Completion => _done.Task;

    /// <summary>How long callers' sends on this socket take (for tests).</summary>
    internal ref SendTiming SendTiming => ref _sendTiming;

    /// <summary>Role holder only: the loop is reading now (outcomes of awaited calls are held).</summary>
    public bool IsReading { get; private set; }

    /// <summary>After a close: an armed loop gets a look now (it finds the table closed and exits).
    /// A socket never registered has no arming to look at (and a process making only blocking
    /// calls never starts the loop).</summary>
    public void Nudge()
    {
        if (Volatile.Read(ref _registered))
        {
            ClientEventLoop.Shared.Post(this);
        }
    }

    /// <summary>
    /// A caller has just sent <paramref name="call"/> on this socket: makes sure someone reads.
    /// When the caller is this loop's own thread (an awaited call's continuation calling again) and
    /// the send was timed from <paramref name="sendStarted"/> (<see cref="SendTiming.Start"/>; 0 for
    /// an untimed send, which is not a sequential caller's), it may read here, so the call
    /// completes before its caller awaits it, which saves the way back to the loop, an epoll_wait
    /// and handing the continuation over: it waits in the socket when nothing else waits on the
    /// loop (<see cref="WaitsInSocket"/>), or, when something does, reads without waiting if the
    /// send lasted long enough that the reply is probably there (<see cref="SendTiming"/>). If the
    /// call is still pending afterwards, giving the role up hands it to the loop as usual
    /// (<see cref="ReaderRole.ReleaseSync"/>). On any other thread the loop is asleep in
    /// epoll_wait, and the reply would wake it for nothing: there the loop reads.
    /// </summary>
    public void AfterSend(PendingCall call, long sendStarted)
    {
        if (sendStarted != 0 && ClientEventLoop.Shared.IsLoopThread)
        {
            bool wait = WaitsInSocket(sendStarted);
            if ((wait || _sendTiming.LastedLong(sendStarted)) && Role.TryTakeSync())
            {
                try
                {
                    if (wait)
                    {
                        WaitInSocket(call);
                    }
                    else
                    {
                        _reader.ReadAvailable(toTheEnd: false);
                    }
                }
                finally
                {
                    Role.ReleaseSync(_pending);
                }
                return;
            }
        }
        Role.EnsureReader();
    }

    /// <summary>Loop thread, inside user code, holding the role as a synchronous reader: waits in
    /// the socket for <paramref name="call"/>'s reply, at most <see cref="SocketWaitMilliseconds"/>
    /// (the socket's receive timeout from the first such wait on; a synchronous caller on this
    /// socket then re-checks that often too), and dispatches what came with <see cref="IsReading"/>
    /// false: the caller has not awaited the call yet, so its outcome is published at once and it
    /// completes before it is awaited. A socket whose timeout cannot be set is not waited in.</summary>
    private void WaitInSocket(PendingCall call)
    {
        if (!_waitsShort)
        {
            if (!Libc.SetReceiveTimeout(_handle, SocketWaitMilliseconds))
            {
                return; // closed meanwhile: the loop finds out
            }
            _waitsShort = true;
        }
        ReaderRole.ReadOnce(call, _reader, _pending, SocketWaitMilliseconds);
        SocketWaits++;
    }

    /// <summary>Loop thread: may a call sent at <paramref name="sendStarted"/> wait in its socket
    /// (the invariant above)? Only inside user code, while nothing else waits on the loop, and
    /// while the chain of such waits in this run of user code, which this call starts or
    /// continues, is young enough; once it is not, the call goes through the loop, which ends the run.</summary>
    private static bool WaitsInSocket(long sendStarted)
    {
        EpollLoop loop = ClientEventLoop.Shared;
        long epoch = loop.UserCodeEpoch;
        if ((epoch & 1) == 0 || Volatile.Read(ref s_heldByLoop) != 0 || loop.HasPostedWork)
        {
            return false;
        }
        if (s_chainEpoch != epoch)
        {
            s_chainEpoch = epoch;
            s_chainStarted = sendStarted;
            return true;
        }
        return sendStarted - s_chainStarted <= s_chainTicks;
    }

    /// <summary>Readers whose role the loop holds now (for tests).</summary>
    internal static int HeldByLoop => Volatile.Read(ref s_heldByLoop);

    /// <summary>Calls whose caller waited in this socket on the loop's thread (for tests).</summary>
    internal int SocketWaits { get; private set; }

    /// <summary>Whoever just took the role for the loop: arm, or, once closed, leave for good.</summary>
    private void Wake()
    {
        if (_pending.IsClosed)
        {
            Exit();
            return;
        }
        Interlocked.Increment(ref s_heldByLoop);
        Arm();
    }

    private void Arm()
    {
        Interlocked.Exchange(ref _armed, 1);
        if (!_registered)
        {
            // Marked before the add: the add's first edge may run OnEvents on the loop at once,
            // and its Arm must not add the socket again (EEXIST); its Exit waits for the token.
            Volatile.Write(ref _registered, true);
            try
            {
                lock (_registrationGate)
                {
                    _registration = ClientEventLoop.Shared.Add(_handle, Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLET, this);
                }
                return; // registering reports bytes already there
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                Volatile.Write(ref _registered, false);
                Interlocked.Exchange(ref _armed, 0);
                Interlocked.Decrement(ref s_heldByLoop);
                _fail(new RpcException(RpcStatus.ConnectionLost, $"the socket cannot be watched: {e.Message}", e));
                Exit();
                return;
            }
        }
        // The exchange above is the full fence of the pair: a plain read of _ready suffices to
        // look, and only a set one is consumed (with an exchange, as a handler may race for it).
        if (Volatile.Read(ref _ready) == 1 && Interlocked.Exchange(ref _ready, 0) == 1 && Interlocked.Exchange(ref _armed, 0) == 1)
        {
            // Bytes came while nobody was armed: no edge will announce them again.
            Interlocked.Exchange(ref _armed, 1);
            ClientEventLoop.Shared.Post(this);
        }
    }

    private void Exit()
    {
        if (_registered)
        {
            _registered = false;
            lock (_registrationGate)
            {
                ClientEventLoop.Shared.Remove(_handle, _registration);
            }
        }
        _done.TrySetResult();
    }

    public void OnPosted() => OnEvents(0);

    /// <summary>Loop thread: bytes (or a hang-up, an error) arrived, or a read was posted.</summary>
    public void OnEvents(uint events)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 0)
        {
            Interlocked.Exchange(ref _ready, 1);
            if (Interlocked.Exchange(ref _armed, 0) == 0)
            {
                return; // the next arming sees _ready
            }
            Interlocked.Exchange(ref _ready, 0);
        }
        bool drained;
        IsReading = true;
        try
        {
            // A posted read (events 0) knows nothing of what is there: to the end as well.
            drained = _reader.ReadAvailable(events == 0 || (events & (Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0);
        }
        finally
        {
            IsReading = false;
        }
        if (!drained)
        {
            Interlocked.Exchange(ref _ready, 1);
        }
        PendingCall? held = Role.TakeHeld();
        PumpStep step = Role.NextPumpStep(_pending);
        if (step != PumpStep.Read)
        {
            Interlocked.Decrement(ref s_heldByLoop); // the loop no longer waits for this socket
        }
        if (step == PumpStep.Park)
        {
            if (held is not null)
            {
                ClientEventLoop.Shared.RunAfterBatch(held);
            }
            return;
        }
        held?.Publish(inline: false);
        if (step == PumpStep.Exit)
        {
            Exit();
        }
        else
        {
            Arm();
        }
    }
}
