using System.Runtime.InteropServices;

namespace OncRpc.Transport.Internal;

/// <summary>
/// The Linux system calls of the shared-memory transport (x86_64): a memfd for the mapping, mmap,
/// the futex that lets an idle side sleep, SCM_RIGHTS to hand the mapping's descriptor over the
/// Unix socket, and SO_PEERCRED to learn who is at the other end of it.
/// </summary>
internal static unsafe partial class ShmLibc
{
    private const string Library = "libc";

    private const long SysFutex = 202; // x86_64
    private const int FutexWait = 0;    // not FUTEX_PRIVATE_FLAG: the word lives in a mapping two processes share
    private const int FutexWake = 1;

    public const int ETIMEDOUT = 110;
    public const int EAGAIN = 11;

    private const int MFD_CLOEXEC = 1;
    private const int MFD_ALLOW_SEALING = 2;
    private const int F_ADD_SEALS = 1033;
    private const int F_GET_SEALS = 1034;
    private const int F_SEAL_SEAL = 1;
    private const int F_SEAL_SHRINK = 2;
    private const int F_SEAL_GROW = 4;
    private const int PROT_READ = 1;
    private const int PROT_WRITE = 2;
    private const int PROT_NONE = 0;
    private const int MAP_SHARED = 1;
    private const int MAP_PRIVATE = 2;
    private const int MAP_FIXED = 0x10;
    private const int MAP_ANONYMOUS = 0x20;
    private const int SOL_SOCKET = 1;
    private const int SO_PEERCRED = 17;
    private const int SCM_RIGHTS = 1;
    private const int MSG_CMSG_CLOEXEC = 0x40000000;
    private const int MSG_NOSIGNAL = 0x4000;

    /// <summary>The transport needs Linux on x86_64 (the futex system call number is the x86_64 one).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [LibraryImport(Library, EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Library, EntryPoint = "fchmod", SetLastError = true)]
    private static partial int Fchmod(int fd, uint mode);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(int fd, long length);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int* address, int op, int value, TimeSpec* timeout, nint address2, int value3);

    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    private static partial int GetSockOpt(SafeHandle socket, int level, int name, byte* value, int* length);

    [LibraryImport(Library, EntryPoint = "sendmsg", SetLastError = true)]
    private static partial nint SendMsg(SafeHandle socket, MsgHdr* message, int flags);

    [LibraryImport(Library, EntryPoint = "recvmsg", SetLastError = true)]
    private static partial nint RecvMsg(SafeHandle socket, MsgHdr* message, int flags);

    [LibraryImport(Library, EntryPoint = "lseek", SetLastError = true)]
    private static partial long Lseek(int fd, long offset, int whence);

    [LibraryImport(Library, EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUid();

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public int NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>A memfd of <paramref name="length"/> bytes, mode 0600, or throws with errno.</summary>
    public static int CreateMemory(string name, long length)
    {
        int fd = MemfdCreate(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
        {
            throw Failed("memfd_create");
        }
        // Anonymous already (reachable only through a descriptor, or /proc/PID/fd of this uid);
        // 0600 closes even that path to anyone but the owner.
        // Sealed at its size: the peer holds a writable descriptor, and a memfd shrunk under a
        // mapping turns the next access into SIGBUS, a crash rather than an exception.
        if (Fchmod(fd, 0x180) != 0 || Ftruncate(fd, length) != 0
            || Fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
        {
            Exception e = Failed("fchmod/ftruncate/fcntl");
            Close(fd);
            throw e;
        }
        return fd;
    }

    /// <summary>Maps <paramref name="fd"/> shared, read-write, as <paramref name="pieces"/> say:
    /// each piece (file offset, length) placed right after the one before, in one reserved range
    /// of address space, so a file range may appear twice back to back. Offsets and lengths must
    /// be multiples of the page size. Returns the range's start; one munmap of the total length
    /// undoes it.</summary>
    public static nint MapPieces(int fd, ReadOnlySpan<(long Offset, long Length)> pieces)
    {
        long total = 0;
        foreach ((long _, long length) in pieces)
        {
            total += length;
        }
        // Reserve the whole range first (no access), then map each piece over its part of it.
        nint start = Mmap(0, (nuint)total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (start == -1)
        {
            throw Failed("mmap");
        }
        long at = 0;
        foreach ((long offset, long length) in pieces)
        {
            if (Mmap(start + (nint)at, (nuint)length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, offset) == -1)
            {
                Exception e = Failed("mmap");
                Munmap(start, (nuint)total);
                throw e;
            }
            at += length;
        }
        return start;
    }

    /// <summary>The size of the file behind <paramref name="fd"/> (lseek to its end).</summary>
    public static long SizeOf(int fd)
    {
        long size = Lseek(fd, 0, 2); // SEEK_END
        return size >= 0 ? size : throw Failed("lseek");
    }

    /// <summary>True when <paramref name="fd"/> is sealed against shrinking (F_SEAL_SHRINK), so
    /// mapping it cannot fault later.</summary>
    public static bool IsSealedAgainstShrinking(int fd)
    {
        int seals = Fcntl(fd, F_GET_SEALS, 0);
        return seals >= 0 && (seals & F_SEAL_SHRINK) != 0;
    }

    /// <summary>Sleeps while <c>*word == expected</c>, at most <paramref name="timeoutMs"/>
    /// (negative: no limit). Returns at once when the word differs (EAGAIN); spurious wakeups happen,
    /// so callers re-check what they wait for.</summary>
    public static void FutexWaitOn(int* word, int expected, int timeoutMs)
    {
        if (timeoutMs < 0)
        {
            Syscall(SysFutex, word, FutexWait, expected, null, 0, 0);
            return;
        }
        TimeSpec timeout = new() { Seconds = timeoutMs / 1000, Nanoseconds = timeoutMs % 1000 * 1_000_000L };
        Syscall(SysFutex, word, FutexWait, expected, &timeout, 0, 0);
    }

    /// <summary>Wakes every thread (of either process) sleeping on <paramref name="word"/>.</summary>
    public static void FutexWakeAll(int* word) => Syscall(SysFutex, word, FutexWake, int.MaxValue, null, 0, 0);

    /// <summary>The effective uid of the process at the other end of a connected Unix socket
    /// (SO_PEERCRED: taken by the kernel at connect time, not something the peer can claim).</summary>
    public static uint PeerUid(SafeHandle socket)
    {
        byte* credentials = stackalloc byte[12]; // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        int length = 12;
        if (GetSockOpt(socket, SOL_SOCKET, SO_PEERCRED, credentials, &length) != 0 || length < 12)
        {
            throw Failed("getsockopt(SO_PEERCRED)");
        }
        return *(uint*)(credentials + 4);
    }

    /// <summary>Sends <paramref name="data"/> with <paramref name="fd"/> attached (SCM_RIGHTS);
    /// fd -1 sends the data alone.</summary>
    public static void SendWithDescriptor(SafeHandle socket, ReadOnlySpan<byte> data, int fd)
    {
        byte* control = stackalloc byte[24]; // CMSG_SPACE(sizeof(int)) on x86_64
        new Span<byte>(control, 24).Clear();
        fixed (byte* p = data)
        {
            IoVec iov = new() { Base = p, Length = (nuint)data.Length };
            MsgHdr message = new() { Iov = &iov, IovLength = 1 };
            if (fd >= 0)
            {
                *(ulong*)control = 20;                // cmsg_len = CMSG_LEN(sizeof(int))
                *(int*)(control + 8) = SOL_SOCKET;     // cmsg_level
                *(int*)(control + 12) = SCM_RIGHTS;    // cmsg_type
                *(int*)(control + 16) = fd;
                message.Control = control;
                message.ControlLength = 24;
            }
            nint sent;
            do
            {
                sent = SendMsg(socket, &message, MSG_NOSIGNAL);
            }
            while (sent < 0 && Marshal.GetLastPInvokeError() == 4);
            if (sent != data.Length)
            {
                throw Failed("sendmsg");
            }
        }
    }

    /// <summary>Receives up to <paramref name="buffer"/>'s length, blocking, and the descriptor
    /// passed with it (-1 when none). Returns the byte count (0 at end of stream).</summary>
    public static int ReceiveWithDescriptor(SafeHandle socket, Span<byte> buffer, out int fd)
    {
        byte* control = stackalloc byte[64];
        new Span<byte>(control, 64).Clear();
        fd = -1;
        fixed (byte* p = buffer)
        {
            IoVec iov = new() { Base = p, Length = (nuint)buffer.Length };
            MsgHdr message = new() { Iov = &iov, IovLength = 1, Control = control, ControlLength = 64 };
            nint received;
            do
            {
                received = RecvMsg(socket, &message, MSG_CMSG_CLOEXEC);
            }
            while (received < 0 && Marshal.GetLastPInvokeError() == 4);
            if (received < 0)
            {
                throw Failed("recvmsg");
            }
            // One cmsghdr at most is expected; anything else carries no descriptor for us.
            if (message.ControlLength >= 20 && *(int*)(control + 8) == SOL_SOCKET && *(int*)(control + 12) == SCM_RIGHTS)
            {
                fd = *(int*)(control + 16);
            }
            return (int)received;
        }
    }

    private static IOException Failed(string call) =>
        new($"{call} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
}
