using System.Runtime.InteropServices;

namespace OncRpc.Transport.Internal;

/// <summary>
/// The few Linux system calls the event loops (the server's, and the client's for awaited calls) make directly: epoll, an eventfd to wake a
/// loop, and non-blocking send/receive (MSG_DONTWAIT, so the socket itself stays in .NET's blocking
/// mode and is never registered with .NET's own socket engine). Sockets are passed as
/// <see cref="SafeHandle"/>s: the marshaller holds a reference for the duration of the call, so a
/// concurrent close cannot hand the descriptor number to another socket mid-call.
/// </summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EPIPE = 32;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ENOTCONN = 107;
    public const int ESHUTDOWN = 108;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;

    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLONESHOT = 0x40000000;
    public const uint EPOLLET = 0x80000000;

    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;

    /// <summary>struct epoll_event is packed (12 bytes) on x86 and x64, naturally aligned (16) elsewhere.</summary>
    public static readonly bool EpollEventPacked =
        RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86;

    public static int EpollEventSize => EpollEventPacked ? 12 : 16;

    public static int EpollDataOffset => EpollEventPacked ? 4 : 8;

    /// <summary>The loops need Linux's epoll; elsewhere the server uses .NET's socket engine.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    [LibraryImport(Library, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate(int flags);

    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, SafeHandle fd, byte* eventBytes);

    [LibraryImport(Library, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* eventBytes);

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(SafeHandle socket, int level, int name, void* value, uint length);

    private const int SOL_SOCKET = 1;
    private const int SO_RCVTIMEO = 20;

    /// <summary>Sets a socket's receive timeout (SO_RCVTIMEO: how long a blocking receive waits);
    /// false when the socket is closed or refuses it.</summary>
    public static bool SetReceiveTimeout(SafeHandle socket, int milliseconds)
    {
        nint* timeval = stackalloc nint[2]; // struct timeval: seconds, microseconds, each a C long
        timeval[0] = milliseconds / 1000;
        timeval[1] = milliseconds % 1000 * 1000;
        try
        {
            return SetSockOpt(socket, SOL_SOCKET, SO_RCVTIMEO, timeval, (uint)(2 * sizeof(nint))) == 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    // The per-call system calls below leave errno alone (no SetLastError): the generated stub would
    // clear and read it through two more P/Invokes on every success; a failure reads it at once
    // instead (Interrupted, ErrnoAfterFailure), as the stub itself does after its call.
    [LibraryImport(Library, EntryPoint = "epoll_wait")]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "recv")]
    public static partial nint Recv(SafeHandle socket, byte* buffer, nint length, int flags);

    // SetLastError: a blocking call's return may wait for a garbage collection in progress, which
    // can change errno before it is read; the marshaller saves it first.
    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    private static partial nint RecvWaiting(SafeHandle socket, byte* buffer, nint length, int flags);

    [LibraryImport(Library, EntryPoint = "send")]
    public static partial nint Send(SafeHandle socket, byte* buffer, nint length, int flags);

    [LibraryImport(Library, EntryPoint = "recvfrom")]
    public static partial nint RecvFrom(SafeHandle socket, byte* buffer, nint length, int flags, byte* address, int* addressLength);

    [LibraryImport(Library, EntryPoint = "sendto")]
    public static partial nint SendTo(SafeHandle socket, byte* buffer, nint length, int flags, byte* address, int addressLength);

    /// <summary>Receives up to <paramref name="count"/> datagrams in one system call (Linux 2.6.33):
    /// the number received, each one's length in <see cref="MMsgHdr.Length"/>; fewer than asked
    /// (with MSG_DONTWAIT) when the socket ran out of them.</summary>
    [LibraryImport(Library, EntryPoint = "recvmmsg")]
    public static partial int RecvMMsg(SafeHandle socket, MMsgHdr* messages, uint count, int flags, void* timeout);

    /// <summary>Sends up to <paramref name="count"/> datagrams in one system call (Linux 3.0): the
    /// number sent, which is less than asked when one failed after the first (its error is then
    /// reported by the next call that starts with it); -1 when the first one failed.</summary>
    [LibraryImport(Library, EntryPoint = "sendmmsg")]
    public static partial int SendMMsg(SafeHandle socket, MMsgHdr* messages, uint count, int flags);

    /// <summary>struct iovec: the same field order and natural alignment on every Linux ABI, so
    /// pointer-sized fields give the kernel's layout (16 bytes on 64-bit, 8 on 32-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr as the kernel reads it (user_msghdr: the lengths are size_t; glibc's
    /// and musl's padded ints share those bytes): 56 bytes on 64-bit Linux, 28 on 32-bit.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr: a message and the byte count the kernel wrote back (64 bytes on
    /// 64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>Writes an epoll_event (events, 64-bit data) in this architecture's layout.</summary>
    public static void WriteEvent(Span<byte> destination, uint events, ulong data)
    {
        destination.Clear();
        MemoryMarshal.Write(destination, in events);
        MemoryMarshal.Write(destination[EpollDataOffset..], in data);
    }

    /// <summary>A blocking socket's receive, waiting up to its SO_RCVTIMEO: the byte count (0 at end of
    /// stream), with <paramref name="status"/> Success; or, as .NET's Socket.Receive reports a failure, 0
    /// with the status (<see cref="System.Net.Sockets.SocketError.WouldBlock"/> when the wait ran out, or
    /// the socket was made non-blocking meanwhile). One recv; .NET's
    /// Socket.Receive makes a recvmsg with a message header of it, which costs both sides more.</summary>
    public static int Receive(SafeHandle socket, Span<byte> buffer, out System.Net.Sockets.SocketError status)
    {
        fixed (byte* p = buffer)
        {
            nint n;
            int errno;
            do
            {
                n = RecvWaiting(socket, p, buffer.Length, 0);
                errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
            while (errno == EINTR);
            status = n < 0 ? ToSocketError(errno) : System.Net.Sockets.SocketError.Success;
            return n < 0 ? 0 : (int)n;
        }
    }

    /// <summary>The <see cref="System.Net.Sockets.SocketError"/> .NET reports for a socket call's errno
    /// (<see cref="System.Net.Sockets.SocketError.SocketError"/> for one callers do not tell apart).</summary>
    public static System.Net.Sockets.SocketError ToSocketError(int errno) => errno switch
    {
        EAGAIN => System.Net.Sockets.SocketError.WouldBlock,
        ECONNRESET => System.Net.Sockets.SocketError.ConnectionReset,
        ECONNREFUSED => System.Net.Sockets.SocketError.ConnectionRefused,
        ECONNABORTED => System.Net.Sockets.SocketError.ConnectionAborted,
        ETIMEDOUT => System.Net.Sockets.SocketError.TimedOut,
        ENOTCONN => System.Net.Sockets.SocketError.NotConnected,
        EPIPE or ESHUTDOWN => System.Net.Sockets.SocketError.Shutdown,
        _ => System.Net.Sockets.SocketError.SocketError,
    };

    /// <summary>Receives what the socket holds without blocking: the byte count, 0 at end of
    /// stream, -1 with <paramref name="errno"/> (EAGAIN when nothing is there).</summary>
    public static int TryReceive(SafeHandle socket, Span<byte> buffer, out int errno)
    {
        fixed (byte* p = buffer)
        {
            nint n;
            do
            {
                n = Recv(socket, p, buffer.Length, MSG_DONTWAIT);
            }
            while (Interrupted(n, out errno));
            return (int)n;
        }
    }

    /// <summary>Sends what the socket takes without blocking (no SIGPIPE): the byte count, or -1
    /// with <paramref name="errno"/> (EAGAIN when the send buffer is full).</summary>
    public static int TrySend(SafeHandle socket, ReadOnlySpan<byte> data, out int errno)
    {
        fixed (byte* p = data)
        {
            nint n;
            do
            {
                n = Send(socket, p, data.Length, MSG_DONTWAIT | MSG_NOSIGNAL);
            }
            while (Interrupted(n, out errno));
            return (int)n;
        }
    }

    /// <summary>Sends all of <paramref name="data"/> on a socket in .NET's blocking mode; returns
    /// the writes made. First one non-blocking send straight to the system call (what fits the
    /// socket's buffer, the usual case, goes out with nothing around it); what it does not take
    /// goes through the socket's own blocking send, which honours SO_SNDTIMEO. A datagram goes
    /// whole or not at all. Off Linux, the socket's send alone.</summary>
    public static int SendAll(System.Net.Sockets.Socket socket, ReadOnlySpan<byte> data)
    {
        int writes = 0;
        if (IsSupported)
        {
            int sent = TrySend(socket.SafeHandle, data, out int errno);
            if (sent < 0 && errno != EAGAIN)
            {
                throw SocketError(errno);
            }
            if (sent >= 0)
            {
                data = data[sent..];
                writes++;
                if (data.IsEmpty)
                {
                    return writes;
                }
            }
        }
        do
        {
            data = data[socket.Send(data, System.Net.Sockets.SocketFlags.None)..];
            writes++;
        }
        while (!data.IsEmpty);
        return writes;
    }

    /// <summary>The exception .NET's own send would throw for <paramref name="errno"/>, for the
    /// errors callers tell apart (a refused datagram: port unreachable; a reset connection).</summary>
    public static System.Net.Sockets.SocketException SocketError(int errno)
    {
        System.Net.Sockets.SocketError known = ToSocketError(errno);
        return new(known == System.Net.Sockets.SocketError.SocketError ? errno : (int)known);
    }

    /// <summary>After a socket or epoll_wait call returning <paramref name="result"/>: its errno (0 on success),
    /// and whether a signal interrupted it (EINTR), so the caller retries.</summary>
    public static bool Interrupted(nint result, out int errno)
    {
        errno = result < 0 ? ErrnoAfterFailure() : 0;
        return errno == EINTR;
    }

    /// <summary>errno, right after a call declared above without SetLastError failed.</summary>
    public static int ErrnoAfterFailure() => Marshal.GetLastSystemError();
}
