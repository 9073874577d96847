using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OncRpc.Transport.Internal;

/// <summary>
/// Datagrams received together with one <c>recvmmsg</c> and their replies sent together with one
/// <c>sendmmsg</c> (a lone one by <c>recvfrom</c>/<c>sendto</c>, which cost the kernel less), for a
/// UDP end point served by one thread. Slot <c>i</c> holds the i-th datagram
/// received and its sender's address; a reply added for slot <c>i</c> goes to that address. The
/// kernel structures (message headers, iovecs, addresses, datagram buffers) are allocated once,
/// pinned, and point at each other for the batch's lifetime: a receive only resets the address
/// lengths the kernel overwrote.
/// <para>Invariant: between <see cref="Receive"/> calls, the replies added are sent (or dropped) by
/// exactly one <see cref="SendReplies"/>; a slot holds its datagram until its reply is added, then
/// the reply, and its address, until the next <see cref="Receive"/>.</para>
/// <para>Memory: <c>slots</c> x <c>slotSize</c> bytes of datagram buffers (16 x 64 KiB = 1 MiB at the
/// default UDP limit) in the pinned object heap, allocated uninitialized: the operating system maps
/// a page only when a datagram first reaches it, so small calls keep a few KiB resident. Plus 128
/// bytes of address and about 200 bytes of headers per slot.</para>
/// </summary>
internal sealed unsafe class DatagramBatch
{
    private const int AddressSize = 128; // sizeof(struct sockaddr_storage)

    private readonly int _slotSize;
    private readonly byte[] _buffers;
    private readonly byte[] _addresses;
    private readonly Libc.MMsgHdr[] _received;
    private readonly Libc.IoVec[] _receiveVectors;
    private readonly Libc.MMsgHdr[] _replies;
    private readonly Libc.IoVec[] _replyVectors;
    private readonly int[] _replyErrors;
    private int _replyCount;

    public DatagramBatch(int slots, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        Capacity = slots;
        _slotSize = slotSize;
        _buffers = GC.AllocateUninitializedArray<byte>(slots * slotSize, pinned: true);
        _addresses = GC.AllocateArray<byte>(slots * AddressSize, pinned: true);
        _received = GC.AllocateArray<Libc.MMsgHdr>(slots, pinned: true);
        _receiveVectors = GC.AllocateArray<Libc.IoVec>(slots, pinned: true);
        _replies = GC.AllocateArray<Libc.MMsgHdr>(slots, pinned: true);
        _replyVectors = GC.AllocateArray<Libc.IoVec>(slots, pinned: true);
        _replyErrors = new int[slots];
        for (int i = 0; i < slots; i++)
        {
            _receiveVectors[i] = new Libc.IoVec { Base = Pin(_buffers) + (nint)i * slotSize, Length = (nuint)slotSize };
            _received[i].Header.Iov = Pin(_receiveVectors) + i;
            _received[i].Header.IovLength = 1;
            _received[i].Header.Name = Address(i);
            _replies[i].Header.Iov = Pin(_replyVectors) + i;
            _replies[i].Header.IovLength = 1;
        }
    }

    /// <summary>The most datagrams one <see cref="Receive"/> takes.</summary>
    public int Capacity { get; }

    /// <summary>Replies added since the last <see cref="SendReplies"/>.</summary>
    public int ReplyCount => _replyCount;

    /// <summary>Receives up to <paramref name="count"/> (at most <see cref="Capacity"/>) datagrams
    /// without blocking: how many came (fewer than asked: the socket had no more), or -1 with
    /// <paramref name="errno"/> (EAGAIN when there was none).</summary>
    public int Receive(SafeHandle socket, int count, out int errno)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Capacity);
        for (int i = 0; i < count; i++)
        {
            _received[i].Header.NameLength = AddressSize; // the kernel wrote the last sender's length here
        }
        int n;
        if (count == 1)
        {
            // One datagram: recvfrom, which the kernel serves with less work than a one-message
            // recvmmsg (no message header or iovec to copy in, no second attempt).
            int nameLength = AddressSize;
            nint length;
            do
            {
                length = Libc.RecvFrom(socket, _receiveVectors[0].Base, _slotSize, Libc.MSG_DONTWAIT, Address(0), &nameLength);
            }
            while (Libc.Interrupted(length, out errno));
            if (length < 0)
            {
                return -1;
            }
            _received[0].Length = (uint)length;
            _received[0].Header.NameLength = (uint)nameLength;
            return 1;
        }
        fixed (Libc.MMsgHdr* messages = _received)
        {
            do
            {
                n = Libc.RecvMMsg(socket, messages, (uint)count, Libc.MSG_DONTWAIT, null);
            }
            while (Libc.Interrupted(n, out errno));
        }
        return n;
    }

    /// <summary>The size of slot <paramref name="i"/>'s datagram as received: the slot's size when
    /// the datagram was that large or larger (the rest was cut off).</summary>
    public int Length(int i) => (int)_received[i].Length;

    /// <summary>Slot <paramref name="i"/>'s datagram (as much as the slot holds).</summary>
    public ReadOnlySpan<byte> Datagram(int i) => _buffers.AsSpan(i * _slotSize, Math.Min(Length(i), _slotSize));

    /// <summary>Copies slot <paramref name="i"/>'s sender address into <paramref name="into"/>.</summary>
    public void CopySender(int i, SocketAddress into)
    {
        int length = (int)Math.Min(_received[i].Header.NameLength, (uint)into.Buffer.Length);
        _addresses.AsSpan(i * AddressSize, length).CopyTo(into.Buffer.Span);
        into.Size = length;
    }

    /// <summary>Queues <paramref name="datagram"/> (at most the slot's size) for slot
    /// <paramref name="i"/>'s sender. The reply is copied into the slot, whose request was already
    /// copied out: the kernel then reads pinned memory, and no handle pins the reply's buffer.</summary>
    public void AddReply(int i, ReadOnlySpan<byte> datagram)
    {
        int j = _replyCount;
        if (j == Capacity)
        {
            throw new InvalidOperationException("more replies than slots");
        }
        ArgumentOutOfRangeException.ThrowIfGreaterThan(datagram.Length, _slotSize);
        byte* slot = _receiveVectors[i].Base;
        datagram.CopyTo(new Span<byte>(slot, _slotSize));
        _replyVectors[j] = new Libc.IoVec { Base = slot, Length = (nuint)datagram.Length };
        _replies[j].Header.Name = Address(i);
        _replies[j].Header.NameLength = _received[i].Header.NameLength;
        _replyErrors[j] = 0;
        _replyCount = j + 1;
    }

    /// <summary>Sends the replies queued, in order, never blocking; each is tried once, and one the
    /// socket refuses (EAGAIN: its send buffer is full; or an error for that destination) is dropped
    /// while the rest still go. Returns how many were dropped; <see cref="ReplyError"/> tells which.
    /// The queue is emptied even when this throws (socket closed).</summary>
    public int SendReplies(SafeHandle socket)
    {
        int count = _replyCount;
        int dropped = 0;
        try
        {
            fixed (Libc.MMsgHdr* messages = _replies)
            {
                int next = 0;
                while (next < count)
                {
                    int n;
                    int errno;
                    do
                    {
                        // One datagram: sendto, for the reason Receive uses recvfrom.
                        n = count - next == 1
                            ? SendOne(socket, next)
                            : Libc.SendMMsg(socket, messages + next, (uint)(count - next), Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL);
                    }
                    while (Libc.Interrupted(n, out errno));
                    if (n > 0)
                    {
                        next += n;
                    }
                    else
                    {
                        // The first of those left failed: drop it (UDP may lose any datagram; the
                        // client retransmits, RFC 5531 §3) and go on with the next.
                        _replyErrors[next++] = errno != 0 ? errno : Libc.EAGAIN;
                        dropped++;
                    }
                }
            }
        }
        finally
        {
            _replyCount = 0;
        }
        return dropped;
    }

    private int SendOne(SafeHandle socket, int j)
    {
        ref Libc.MsgHdr message = ref _replies[j].Header;
        nint n = Libc.SendTo(socket, message.Iov->Base, (nint)message.Iov->Length, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL,
            message.Name, (int)message.NameLength);
        return n < 0 ? -1 : 1;
    }

    /// <summary>After <see cref="SendReplies"/>: 0 when reply <paramref name="j"/> (in the order
    /// added) went out, else the errno that dropped it.</summary>
    public int ReplyError(int j) => _replyErrors[j];

    private byte* Address(int i) => Pin(_addresses) + (nint)i * AddressSize;

    private static T* Pin<T>(T[] pinned) where T : unmanaged =>
        (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
}
