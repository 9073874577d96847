using System.Diagnostics;
using OncRpc.Transport.Internal;

namespace OncRpc.Tests.Transport;

/// <summary>The shared-memory ring on its own: one mapping, a writer's and a reader's view of one
/// direction (as the two processes have), on two threads where concurrency is the point.</summary>
public sealed class SharedMemoryRingTests : RingFixture
{
    private static long In(int ms) => Stopwatch.GetTimestamp() + ms * Stopwatch.Frequency / 1000;

    [Fact]
    public void Bytes_come_out_in_order_across_many_wraparounds()
    {
        byte[] out1 = new byte[Size];
        int seed = 0;
        for (int round = 0; round < 200; round++)
        {
            // Chunk sizes that do not divide the ring, so writes and reads straddle its end.
            byte[] data = Pattern(1000 + round * 13 % 3000, seed++);
            Assert.Equal(data.Length, _writer.Write(data));
            Assert.Equal(data.Length, _reader.Readable);
            Assert.Equal(data.Length, _reader.Read(out1));
            Assert.Equal(data, out1[..data.Length]);
        }
        Assert.Equal(0, _reader.Read(out1));
    }

    [Fact]
    public void A_full_ring_takes_nothing_more_until_the_reader_drains_it()
    {
        byte[] data = Pattern(Size + 100, 1);
        Assert.Equal(Size, _writer.Write(data));
        Assert.Equal(0, _writer.Write(data.AsSpan(Size)));
        Assert.False(_writer.WaitWritable(In(20)), "no space appears by itself");

        byte[] taken = new byte[10];
        Assert.Equal(10, _reader.Read(taken));
        Assert.True(_writer.WaitWritable(In(1000)));
        Assert.Equal(10, _writer.Write(data.AsSpan(Size)));
        Assert.Equal(0, _writer.Write(data.AsSpan(Size + 10)));
    }

    [Fact]
    public void An_empty_ring_waits_until_its_deadline()
    {
        long before = Stopwatch.GetTimestamp();
        Assert.False(_reader.WaitReadable(In(30)));
        Assert.True(Stopwatch.GetElapsedTime(before) >= TimeSpan.FromMilliseconds(25));
    }

    [Fact]
    public void A_record_larger_than_the_ring_streams_through_it()
    {
        byte[] record = Pattern(1024 * 1024, 2);
        byte[] received = new byte[record.Length];
        var writer = new Thread(() => _writer.WriteAll(record, 10_000));
        writer.Start();
        int got = 0;
        while (got < received.Length)
        {
            Assert.True(_reader.WaitReadable(In(10_000)), "the writer keeps the ring fed");
            got += _reader.Read(received.AsSpan(got));
        }
        Assert.True(writer.Join(10_000));
        Assert.Equal(record, received);
    }

    [Fact]
    public void Concurrent_writer_and_reader_agree_on_every_byte()
    {
        const int Total = 16 * 1024 * 1024;
        ulong written = 0;
        var writer = new Thread(() =>
        {
            var random = new Random(3);
            ulong hash = Fnv.Basis;
            byte[] chunk = new byte[3000];
            for (int sent = 0; sent < Total;)
            {
                int n = Math.Min(random.Next(1, chunk.Length), Total - sent);
                random.NextBytes(chunk.AsSpan(0, n));
                hash = Fnv.Append(hash, chunk.AsSpan(0, n));
                _writer.WriteAll(chunk.AsSpan(0, n), 10_000);
                sent += n;
            }
            written = hash;
        });
        writer.Start();
        ulong read = Fnv.Basis;
        var sizes = new Random(4);
        byte[] buffer = new byte[5000];
        for (int got = 0; got < Total;)
        {
            int n = _reader.Read(buffer.AsSpan(0, sizes.Next(1, buffer.Length)));
            if (n == 0)
            {
                Assert.True(_reader.WaitReadable(In(10_000)), "the writer keeps the ring fed");
                continue;
            }
            read = Fnv.Append(read, buffer.AsSpan(0, n));
            got += n;
        }
        Assert.True(writer.Join(10_000));
        Assert.Equal(written, read);
    }

    [Fact]
    public void Cancel_wakes_a_reader_asleep_on_an_empty_ring_and_a_writer_on_a_full_one()
    {
        Assert.Equal(Size, _writer.Write(new byte[Size]));
        var otherWriter = new ShmRing(_mapping, ShmMapping.ServerToClient, ShmChannel.SpinTicks);
        var otherReader = new ShmRing(_mapping, ShmMapping.ServerToClient, ShmChannel.SpinTicks);
        bool? readable = null;
        bool? writable = null;
        var sleeper1 = new Thread(() => readable = otherReader.WaitReadable(long.MaxValue));
        var sleeper2 = new Thread(() => writable = _writer.WaitWritable(long.MaxValue));
        sleeper1.Start();
        sleeper2.Start();
        Assert.False(sleeper1.Join(100), "nothing to read: it sleeps");
        Assert.False(sleeper2.Join(1), "no space: it sleeps");
        otherReader.Cancel();
        _writer.Cancel();
        Assert.True(sleeper1.Join(5000) && sleeper2.Join(5000), "cancel wakes both");
        Assert.False(readable);
        Assert.False(writable);
        Assert.Throws<IOException>(() => _writer.WriteAll(new byte[1], 1000));
        GC.KeepAlive(otherWriter);
    }

    [Fact]
    public unsafe void Counters_a_broken_peer_wrote_out_of_range_are_an_io_error_not_a_wild_copy()
    {
        long* tail = (long*)_mapping.Control(ShmMapping.ClientToServer);
        *tail = 1L << 40; // far more written than the ring holds
        Assert.Throws<IOException>(() => _reader.Read(new byte[16]));
        Assert.Throws<IOException>(() => _writer.Write(new byte[16]));
        *tail = -5; // behind head
        Assert.Throws<IOException>(() => _reader.Read(new byte[16]));
    }

    [Fact]
    public void Closing_wakes_a_writer_stuck_on_a_full_ring_before_the_mapping_goes()
    {
        Exception? failure = null;
        var writer = new Thread(() =>
        {
            try
            {
                _writer.WriteAll(new byte[Size * 4], -1); // nobody reads: it sleeps on the full ring
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        writer.Start();
        Assert.False(writer.Join(50));
        // The order every owner follows: cancel the rings, then dispose the mapping, which unmaps
        // only once the woken writer has left it.
        _writer.Cancel();
        _mapping.Dispose();
        Assert.True(writer.Join(5000));
        Assert.IsType<IOException>(failure);
        Assert.Throws<ObjectDisposedException>(() => _reader.Read(new byte[16]));
    }

    [Fact]
    public void The_mapping_cannot_be_resized_by_the_peer_that_holds_its_descriptor()
    {
        ShmMapping mapping = ShmMapping.Create(Size, out int fd);
        try
        {
            Assert.True(ShmLibc.IsSealedAgainstShrinking(fd));
            // What a hostile peer would try: shrinking the memfd under the server's mapping.
            using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false);
            Assert.Throws<UnauthorizedAccessException>(() => RandomAccess.SetLength(handle, 100)); // EPERM: the seal
            Assert.Equal(ShmMapping.LengthFor(Size), ShmLibc.SizeOf(fd));
        }
        finally
        {
            ShmLibc.Close(fd);
            mapping.Dispose();
        }
    }

    /// <summary>FNV-1a, 64 bits: a checksum both threads compute over what passed.</summary>
    private static class Fnv
    {
        public const ulong Basis = 14695981039346656037;

        public static ulong Append(ulong hash, ReadOnlySpan<byte> data)
        {
            foreach (byte b in data)
            {
                hash = (hash ^ b) * 1099511628211;
            }
            return hash;
        }
    }
}
