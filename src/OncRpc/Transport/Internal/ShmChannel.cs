using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OncRpc.Transport.Internal;

/// <summary>
/// The bytes of one client shared-memory connection, behind the same seam as a socket (so the
/// client's record sender, reply reader, pending-call table and reconnection serve it unchanged):
/// records go into the client-to-server ring and replies come out of the other, record-marked as
/// on any stream. The Unix socket that handed the mapping over stays open as the death watch:
/// its end of stream (the server died or closed the connection) cancels both rings, which wakes
/// whoever waits on them, so calls in flight fail instead of hanging.
/// <para>A synchronous caller reads the ring on its own thread (<see cref="Receive"/>: spin, then
/// futex), which is where the latency goes. The async pump cannot await a futex: when the ring is
/// empty it hands the wait to one waiter thread of this connection (which sleeps on the futex at
/// once), parked while nothing is wanted.
/// Writes never await: a full ring is waited out (spin, then futex) on the writing thread, which
/// is the transport's backpressure.</para>
/// </summary>
internal sealed class ShmChannel : ByteChannel
{
    private readonly ShmMapping _mapping;
    private readonly ShmRing _out;
    private readonly ShmRing _in;
    private readonly int _sendTimeoutMs;
    private readonly ManualResetEventSlim _waitWanted = new(false, spinCount: 1);
    private TaskCompletionSource? _asyncWait; // set by the pump, completed by the waiter thread
    private Thread? _waiter;
    private volatile bool _disposed;

    private ShmChannel(Socket socket, ShmMapping mapping, TimeSpan timeout) : base(socket)
    {
        _mapping = mapping;
        long spin = SpinTicks;
        _out = new ShmRing(mapping, ShmMapping.ClientToServer, spin);
        _in = new ShmRing(mapping, ShmMapping.ServerToClient, spin);
        _sendTimeoutMs = timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        _ = WatchAsync();
    }

    /// <summary>How long a side spins before it sleeps: long enough to catch a reply to a short
    /// call on another CPU, short enough that an idle wait costs next to nothing.</summary>
    public static long SpinTicks => Stopwatch.Frequency / 20_000; // 50 µs

    public override bool ReadsDirectly => true;

    public override bool PeerGone => _in.IsCancelled;

    /// <summary>Connects to the shared-memory end point at <paramref name="endPoint"/> and maps
    /// the connection the server offers.</summary>
    public static ShmChannel Connect(EndPoint endPoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!ShmLibc.IsSupported)
        {
            throw new PlatformNotSupportedException("the shared-memory transport needs Linux on x86_64");
        }
        Socket socket = SocketConnector.Connect(endPoint, timeout, cancellationToken);
        try
        {
            return new ShmChannel(socket, ShmHandshake.Accept(socket, timeout), timeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task WatchAsync()
    {
        try
        {
            // Nothing more comes on the socket: whatever this returns means the server is gone.
            await Socket.ReceiveAsync(new byte[1], SocketFlags.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        _in.Cancel();
        _out.Cancel();
        _waitWanted.Set();
    }

    /// <summary>Bytes in the outbound ring the server has not freed yet (for tests).</summary>
    internal int OutputQueued => _out.Readable;

    /// <summary>Bytes in the inbound ring this side has not freed yet (for tests).</summary>
    internal int InputQueued => _in.Readable;

    /// <summary>Records published where they were encoded (for tests).</summary>
    internal long RecordsWrittenInPlace => _out.RecordsCommittedInPlace;

    public override bool WritesInPlace => _out.WorthReserving;

    public override Memory<byte> ReserveOutput() => _out.Reserve();

    public override void ReleaseOutput() => _out.Unreserve();

    public override int Send(ReadOnlySpan<byte> data)
    {
        if (_out.ReservedRecord(data))
        {
            // Written in place at tail (the reservation held the writer role): publish it.
            _out.Commit(data.Length);
            return 1;
        }
        try
        {
            _out.WriteAll(data, _sendTimeoutMs);
        }
        catch (ObjectDisposedException)
        {
            throw new IOException("the shared-memory connection was disposed");
        }
        return 1;
    }

    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            return ValueTask.FromResult(Send(data.Span));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    public override int Receive(Span<byte> buffer, int waitMs, bool asyncMode, out SocketError status)
    {
        status = SocketError.Success;
        int n = _in.Read(buffer);
        if (n > 0)
        {
            return n;
        }
        if (_in.WaitReadable(Stopwatch.GetTimestamp() + waitMs * Stopwatch.Frequency / 1000))
        {
            return _in.Read(buffer);
        }
        if (_in.IsCancelled)
        {
            return _in.Read(buffer); // what the server wrote before it left, then end of stream
        }
        status = SocketError.TimedOut;
        return 0;
    }

    public override bool ReadsInPlace => true;

    public override int ReceiveInPlace(ShmRing.InPlaceReader consume, int waitMs, out SocketError status)
    {
        status = SocketError.Success;
        int n = _in.ReadInPlace(consume);
        if (n > 0)
        {
            return n;
        }
        if (_in.WaitReadable(Stopwatch.GetTimestamp() + waitMs * Stopwatch.Frequency / 1000) || _in.IsCancelled)
        {
            return _in.ReadInPlace(consume); // cancelled: what the server wrote before it left, then end of stream
        }
        status = SocketError.TimedOut;
        return 0;
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int n = _in.Read(buffer.Span);
        if (n > 0)
        {
            return ValueTask.FromResult(n);
        }
        if (_in.IsCancelled)
        {
            return ValueTask.FromResult(_in.Read(buffer.Span));
        }
        // No spin here: the pump runs among this process's own continuations, which are what
        // produce the next calls (and so the next replies); spinning would take their CPU.
        return ReceiveSlowAsync(buffer, cancellationToken);
    }

    private async ValueTask<int> ReceiveSlowAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var wait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _asyncWait, wait);
            EnsureWaiter();
            _waitWanted.Set();
            await wait.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            int n = _in.Read(buffer.Span);
            if (n > 0 || _in.IsCancelled)
            {
                return n;
            }
        }
    }

    private void EnsureWaiter()
    {
        if (_waiter is not null)
        {
            return;
        }
        var thread = new Thread(WaitLoop) { IsBackground = true, Name = "OncRpc shm waiter" };
        if (Interlocked.CompareExchange(ref _waiter, thread, null) is null)
        {
            thread.Start();
        }
    }

    /// <summary>The waiter thread: sleeps until the pump wants a wait, then sleeps on the ring
    /// until something arrives or the connection ends, and resumes the pump.</summary>
    private void WaitLoop()
    {
        while (!_disposed)
        {
            _waitWanted.Wait();
            _waitWanted.Reset();
            if (Interlocked.Exchange(ref _asyncWait, null) is not { } wait)
            {
                continue;
            }
            try
            {
                // Straight to the futex: this thread only stands in for the pump, and a
                // spinning stand-in would compete with the continuations that feed the ring.
                _in.WaitReadable(long.MaxValue, spin: false);
            }
            catch (Exception e) when (e is ObjectDisposedException or IOException)
            {
                // Disposed, or a broken peer: the pump's read finds out.
            }
            wait.TrySetResult();
        }
    }

    public override void Dispose()
    {
        _disposed = true;
        _in.Cancel();
        _out.Cancel();
        _waitWanted.Set();
        Interlocked.Exchange(ref _asyncWait, null)?.TrySetResult();
        base.Dispose();
        _mapping.Dispose(); // unmaps once the last thread inside has left
    }
}
