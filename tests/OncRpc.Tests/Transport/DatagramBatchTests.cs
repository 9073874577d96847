using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using OncRpc.Testing;
using OncRpc.Transport.Internal;

namespace OncRpc.Tests.Transport;

/// <summary>
/// <see cref="DatagramBatch"/> against the kernel: its message headers have the layout
/// <c>recvmmsg</c>/<c>sendmmsg</c> read (a wrong one would scramble lengths, addresses or data in
/// these round trips), a short batch means the socket is empty, and a reply the socket refuses is
/// dropped without holding back the ones after it.
/// </summary>
public sealed class DatagramBatchTests
{
    private const int SlotSize = 1000;

    [Fact]
    public void The_kernel_structures_have_the_Linux_sizes()
    {
        bool wide = IntPtr.Size == 8;
        Assert.Equal(wide ? 16 : 8, Unsafe.SizeOf<Libc.IoVec>());
        Assert.Equal(wide ? 56 : 28, Unsafe.SizeOf<Libc.MsgHdr>());
        Assert.Equal(wide ? 64 : 32, Unsafe.SizeOf<Libc.MMsgHdr>());
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public void Datagrams_from_several_senders_arrive_whole_with_their_senders_and_replies_go_back_to_each(AddressFamily family)
    {
        Assert.SkipUnless(Libc.IsSupported, "recvmmsg/sendmmsg are Linux system calls");
        IPAddress loopback = family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        using var server = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(loopback, 0));
        int[] sizes = [0, 1, 100, SlotSize - 1, SlotSize + 50];
        var senders = new Socket[sizes.Length];
        try
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                senders[i] = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                senders[i].Bind(new IPEndPoint(loopback, 0));
                senders[i].SendTo(Payload(i, sizes[i]), server.LocalEndPoint!);
            }
            var batch = new DatagramBatch(8, SlotSize);
            Assert.Equal(2, batch.Receive(server.SafeHandle, 2, out _));
            AssertSlot(batch, 0, 0);
            AssertSlot(batch, 1, 1);
            // Three left: a batch of eight brings three, which says the socket is now empty.
            Assert.Equal(3, batch.Receive(server.SafeHandle, 8, out _));
            for (int slot = 0; slot < 3; slot++)
            {
                AssertSlot(batch, slot, slot + 2);
            }
            for (int slot = 0; slot < 3; slot++)
            {
                batch.AddReply(slot, Encoding.ASCII.GetBytes($"reply to {slot + 2}"));
            }
            Assert.Equal(0, batch.SendReplies(server.SafeHandle));
            Assert.Equal(0, batch.ReplyCount);
            for (int i = 2; i < sizes.Length; i++)
            {
                byte[] buffer = new byte[100];
                senders[i].ReceiveTimeout = 10_000;
                int n = senders[i].Receive(buffer);
                Assert.Equal($"reply to {i}", Encoding.ASCII.GetString(buffer, 0, n));
            }
            Assert.Equal(-1, batch.Receive(server.SafeHandle, 8, out int errno));
            Assert.Equal(Libc.EAGAIN, errno);
        }
        finally
        {
            foreach (Socket? sender in senders)
            {
                sender?.Dispose();
            }
        }

        void AssertSlot(DatagramBatch batch, int slot, int sender)
        {
            byte[] sent = Payload(sender, sizes[sender]);
            // A datagram larger than its slot is cut to the slot: the listener sees "too large".
            Assert.Equal(Math.Min(sent.Length, SlotSize), batch.Length(slot));
            Assert.Equal(Hex.Of(sent.AsSpan(0, Math.Min(sent.Length, SlotSize))), Hex.Of(batch.Datagram(slot)));
            var from = new SocketAddress(family);
            batch.CopySender(slot, from);
            Assert.Equal(senders[sender].LocalEndPoint, new IPEndPoint(loopback, 0).Create(from));
        }
    }

    [Fact]
    public void Replies_the_socket_refuses_are_dropped_and_later_ones_still_go()
    {
        Assert.SkipUnless(Libc.IsSupported, "recvmmsg/sendmmsg are Linux system calls");
        // A Unix datagram socket refuses (EAGAIN) to send to a peer whose receive queue is full
        // (net.unix.max_dgram_qlen): the state a UDP socket's full send buffer puts a reply in.
        string directory = Directory.CreateTempSubdirectory("oncrpc-batch-").FullName;
        try
        {
            var serverPath = new UnixDomainSocketEndPoint(Path.Combine(directory, "server"));
            var clientPath = new UnixDomainSocketEndPoint(Path.Combine(directory, "client"));
            using var server = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            server.Bind(serverPath);
            client.Bind(clientPath);
            client.ReceiveTimeout = 10_000;

            // Fill the client's queue, then make room for exactly two.
            server.Blocking = false;
            int queued = 0;
            while (true)
            {
                try
                {
                    server.SendTo("filler"u8, clientPath);
                    queued++;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                {
                    break;
                }
                Assert.True(queued < 100_000, "the client's queue never filled");
            }
            server.Blocking = true;
            byte[] buffer = new byte[100];
            client.Receive(buffer);
            client.Receive(buffer);

            var batch = new DatagramBatch(8, SlotSize);
            Assert.Equal(3, ExchangeBatch(batch, client, server, serverPath, 5, "reply"));
            Assert.Equal([0, 0, Libc.EAGAIN, Libc.EAGAIN, Libc.EAGAIN], Enumerable.Range(0, 5).Select(batch.ReplyError));

            var received = new List<string>();
            for (int i = 0; i < queued; i++)
            {
                received.Add(Encoding.ASCII.GetString(buffer, 0, client.Receive(buffer)));
            }
            Assert.Equal(["reply 0", "reply 1"], received[^2..]);

            // Room again: the next batch's replies all go.
            Assert.Equal(0, ExchangeBatch(batch, client, server, serverPath, 3, "again"));
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal($"again {i}", Encoding.ASCII.GetString(buffer, 0, client.Receive(buffer)));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// <paramref name="count"/> calls from <paramref name="client"/> taken in one batch, each answered
    /// "<paramref name="reply"/> slot" with one <c>sendmmsg</c>; returns how many replies the socket refused.
    /// </summary>
    private static int ExchangeBatch(DatagramBatch batch, Socket client, Socket server, EndPoint serverPath, int count, string reply)
    {
        for (int i = 0; i < count; i++)
        {
            client.SendTo(Encoding.ASCII.GetBytes($"call {i}"), serverPath);
        }
        Assert.Equal(count, batch.Receive(server.SafeHandle, 8, out _));
        for (int slot = 0; slot < count; slot++)
        {
            batch.AddReply(slot, Encoding.ASCII.GetBytes($"{reply} {slot}"));
        }
        return batch.SendReplies(server.SafeHandle);
    }

    private static byte[] Payload(int sender, int size)
    {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++)
        {
            data[i] = (byte)(i * 31 + sender);
        }
        return data;
    }
}
