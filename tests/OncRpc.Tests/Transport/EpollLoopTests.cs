using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using OncRpc.Transport.Internal;

namespace OncRpc.Tests.Transport;

/// <summary>The event loop's slot table, read without a lock for every event: an event fetched
/// for a socket that has since left is never delivered to whoever registered in its slot next,
/// however registrations race with the loop.</summary>
public sealed class EpollLoopTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task An_event_fetched_before_its_socket_left_never_reaches_the_next_owner_of_the_slot()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux only");
        using var loop = new EpollLoop("slot test loop", NullLogger.Instance);
        // Descriptors that are always readable keep every wait returning a full batch, so the loop
        // is handling events back to back while the other threads register and remove.
        var background = new CountingHandler();
        SafeFileHandle[] busy = [.. Enumerable.Range(0, 32).Select(_ => EventFd(readable: true))];
        foreach (SafeFileHandle fd in busy)
        {
            loop.Add(fd, Libc.EPOLLIN, background);
        }
        var misdelivered = new CountingHandler();
        long rounds = 0;

        // Each thread: a readable descriptor until an event of its has been fetched and handled
        // (so more are in flight), removed; at once a never-readable one, which takes the freed slot
        // (the free list is last in, first out) and so receives nothing unless a stale event
        // reaches it; kept until the loop has handled a whole batch more, then removed.
        void Churn()
        {
            using SafeFileHandle hotFd = EventFd(readable: true);
            using SafeFileHandle coldFd = EventFd(readable: false);
            var hot = new CountingHandler();
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(1))
            {
                long seen = hot.Count;
                ulong hotToken = loop.Add(hotFd, Libc.EPOLLIN, hot);
                WaitUntil(() => hot.Count > seen, "the loop handles the readable descriptor");
                loop.Remove(hotFd, hotToken);
                ulong coldToken = loop.Add(coldFd, Libc.EPOLLIN, misdelivered);
                long batch = background.Count;
                WaitUntil(() => background.Count >= batch + (2 * busy.Length), "the loop handles a batch more");
                loop.Remove(coldFd, coldToken);
                Interlocked.Increment(ref rounds);
            }
        }

        try
        {
            Task[] churners = [Task.Factory.StartNew(Churn, TaskCreationOptions.LongRunning), Task.Factory.StartNew(Churn, TaskCreationOptions.LongRunning)];
            await Task.WhenAll(churners).WaitAsync(Bound, TestContext.Current.CancellationToken);
        }
        finally
        {
            foreach (SafeFileHandle fd in busy)
            {
                fd.Dispose();
            }
        }

        Assert.True(Interlocked.Read(ref rounds) > 100, $"enough registrations raced the loop ({rounds})");
        Assert.Equal(0, misdelivered.Count);
    }

    [Fact]
    public void A_socket_removed_by_a_handler_gets_none_of_the_events_already_fetched_for_it()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "epoll is Linux only");
        using var loop = new EpollLoop("slot test loop", NullLogger.Instance);
        using SafeFileHandle firstFd = EventFd(readable: true);
        using SafeFileHandle secondFd = EventFd(readable: true);
        // Both are ready in every batch; whichever the loop handles first removes the other, whose
        // event in the same batch must then be dropped.
        var pair = new RemovingPair(loop);
        pair.Register(firstFd, secondFd);

        WaitUntil(() => pair.SurvivorEvents >= 3, "the survivor is handled in later batches");
        Assert.Equal(0, pair.EventsAfterRemoval);
    }

    private static SafeFileHandle EventFd(bool readable)
    {
        int fd = Libc.EventFd(readable ? 1u : 0u, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        Assert.True(fd >= 0, "eventfd");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (!condition())
        {
            Assert.True(waited.Elapsed < Bound, "timed out waiting: " + what);
            spin.SpinOnce();
        }
    }

    private sealed class CountingHandler : IEpollHandler
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void OnEvents(uint events) => Interlocked.Increment(ref _count);

        public void OnPosted()
        {
        }
    }

    /// <summary>Two registrations; the first handled removes the other (on the loop thread).</summary>
    private sealed class RemovingPair(EpollLoop loop)
    {
        private readonly Member[] _members = new Member[2];
        private int _removed = -1; // loop thread only, then read after a wait
        private long _survivorEvents;
        private long _eventsAfterRemoval;

        public long SurvivorEvents => Interlocked.Read(ref _survivorEvents);

        public long EventsAfterRemoval => Interlocked.Read(ref _eventsAfterRemoval);

        public void Register(SafeFileHandle first, SafeFileHandle second)
        {
            _members[0] = new Member(this, 0, first);
            _members[1] = new Member(this, 1, second);
            // Registered with no interest, then both made readable: each token is known before
            // either handler can run.
            _members[0].Token = loop.Add(first, 0, _members[0]);
            _members[1].Token = loop.Add(second, 0, _members[1]);
            Assert.True(loop.Modify(first, _members[0].Token, Libc.EPOLLIN));
            Assert.True(loop.Modify(second, _members[1].Token, Libc.EPOLLIN));
        }

        private void OnEvents(int index)
        {
            if (_removed == index)
            {
                Interlocked.Increment(ref _eventsAfterRemoval);
                return;
            }
            if (_removed < 0)
            {
                Member other = _members[1 - index];
                loop.Remove(other.Fd, other.Token);
                _removed = 1 - index;
                return;
            }
            Interlocked.Increment(ref _survivorEvents);
        }

        private sealed class Member(RemovingPair pair, int index, SafeFileHandle fd) : IEpollHandler
        {
            public SafeFileHandle Fd { get; } = fd;

            public ulong Token { get; set; }

            public void OnEvents(uint events) => pair.OnEvents(index);

            public void OnPosted()
            {
            }
        }
    }
}
