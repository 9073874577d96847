using System.Buffers.Binary;
using OncRpc.Client;
using OncRpc.Server.Internal;
using OncRpc.Tests.Support;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Tests.Transport;

/// <summary>A call's arguments lent where the transport holds them (the shared-memory server's
/// large calls, read in the ring): read in place on the lending thread while the loan is open,
/// from the call's own copy anywhere else or afterwards, and never from the lent bytes once they
/// are given back.</summary>
public sealed class SharedMemoryLentArgumentsTests
{
    private static byte[] Record(int header, int arguments) => RingFixture.Pattern(header + arguments, header);

    [Fact]
    public void Arguments_are_read_in_place_on_the_lending_thread_and_only_the_header_is_copied()
    {
        byte[] record = Record(100, 5000);
        var call = new RpcCall();
        call.SetRequestLendingArguments(record);
        call.ArgumentsOffset = 100;
        Assert.Equal(1024, call.Request.Length); // the header part only
        Assert.Equal(record[..1024], call.Request.ToArray());
        Assert.Equal(record[100..], call.Arguments.ToArray());
        record[4000] ^= 0xFF; // the lender's bytes change: the call sees it (read in place)
        Assert.Equal(record[4000], call.Arguments[3900]);
        call.EndArgumentsLoan(keepArguments: false);
        Assert.Throws<InvalidOperationException>(() => call.Arguments.Length); // given back, no copy
        call.Reset();
        call.SetRequest(record.AsSpan(0, 200));
        call.ArgumentsOffset = 150;
        Assert.Equal(record[150..200], call.Arguments.ToArray()); // an ordinary call again
        call.Release();
    }

    [Fact]
    public async Task A_call_gone_asynchronous_reads_its_own_copy_taken_before_the_bytes_are_given_back()
    {
        byte[] record = Record(64, 8000);
        var call = new RpcCall();
        call.SetRequestLendingArguments(record);
        call.ArgumentsOffset = 64;
        // Another thread asks while the loan is open: it waits for the copy, never reads the loan
        // (which changes before the copy is taken and is cleared right after it).
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<byte[]> elsewhere = Task.Factory.StartNew(() =>
        {
            asked.SetResult();
            return call.Arguments.ToArray();
        }, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await asked.Task;
        RingFixture.Pattern(8000, 9).CopyTo(record, 64);
        byte[] expected = record[64..];
        call.EndArgumentsLoan(keepArguments: true);
        Array.Clear(record); // the transport reuses its bytes
        Assert.Equal(expected, await elsewhere);
        Assert.Equal(expected, call.Arguments.ToArray()); // the lending thread, after the loan: the copy too
        call.Reset();
        call.Release();
    }

    [Fact]
    public async Task A_client_rewriting_its_arguments_while_the_server_decodes_them_in_place_gets_answers_never_a_crash()
    {
        // A raw client sends 8 KiB ECHO calls (lent to the server where they lie), one at a time,
        // while a thread scribbles over the call's bytes past its header, the opaque's length word
        // included: every call is answered (ECHO of whatever was read, or GARBAGE_ARGS), and the
        // server serves on.
        const int Ring = 64 * 1024;
        (SharedMemoryTransportTests.ShmServer started, SharedMemoryTransportTests.RawShmPeer peer) =
            await SharedMemoryTransportTests.RawShmPeer.StartWithRingsAsync(Ring);
        await using SharedMemoryTransportTests.ShmServer server = started;
        using (peer)
        {
            byte[] message = RpcBytes.CallMessage(1, SharedMemoryTransportTests.Echo.Program, 1, SharedMemoryTransportTests.Echo.Procedure,
                XdrBytes.OpaqueOf(RingFixture.Pattern(8000, 5)));
            byte[] record = new byte[4 + message.Length];
            BinaryPrimitives.WriteUInt32BigEndian(record, 0x8000_0000u | (uint)message.Length);
            message.CopyTo(record, 4);
            var scribbler = new Scribbler(peer.Mapping, Ring, from: 44, to: record.Length); // mark and header (44 bytes) kept
            try
            {
                byte[] replies = new byte[Ring];
                long written = 0;
                for (int i = 0; i < 300; i++)
                {
                    scribbler.Aim(written);
                    peer.ToServer.WriteAll(record, 10_000);
                    written += record.Length;
                    long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + 10 * System.Diagnostics.Stopwatch.Frequency;
                    Assert.True(peer.FromServer.WaitReadable(deadline), $"call {i} answered");
                    Assert.True(peer.FromServer.Read(replies) >= 28, "a whole reply");
                    scribbler.Idle(); // before the next call reuses the space
                }
            }
            finally
            {
                scribbler.Dispose();
            }
            Assert.Equal(1, server.Server.ConnectionCount);
        }
        await using RpcClient client = await server.ConnectAsync();
        byte[] data = RingFixture.Pattern(9000, 6);
        Assert.Equal(data, client.Call<XdrOpaque, XdrOpaque>(SharedMemoryTransportTests.Echo, data, TestContext.Current.CancellationToken).Value.ToArray());
    }

    /// <summary>Rewrites random words of one record's bytes in the client-to-server ring, from a
    /// thread of its own, while aimed at it.</summary>
    private sealed unsafe class Scribbler : IDisposable
    {
        private readonly byte* _data;
        private readonly int _ring;
        private readonly int _from;
        private readonly int _to;
        private readonly Thread _thread;
        private long _target = -1; // stream offset of the record aimed at, or -1
        private long _seen = -1;   // the target of the scribbler's last round (written after it)
        private volatile bool _stop;

        public Scribbler(ShmMapping mapping, int ring, int from, int to)
        {
            _data = mapping.Data(ShmMapping.ClientToServer);
            _ring = ring;
            _from = from;
            _to = to;
            _thread = new Thread(Run) { IsBackground = true };
            _thread.Start();
        }

        public void Aim(long recordStart) => Volatile.Write(ref _target, recordStart);

        /// <summary>Stops aiming and waits until no rewrite of the old target can still land.</summary>
        public void Idle()
        {
            Volatile.Write(ref _target, -1);
            var spin = new SpinWait();
            while (Volatile.Read(ref _seen) != -1)
            {
                spin.SpinOnce();
            }
        }

        private void Run()
        {
            var random = new Random(11);
            while (!_stop)
            {
                long target = Volatile.Read(ref _target);
                if (target >= 0)
                {
                    int at = (int)((target + random.Next(_from, _to - 4)) & (_ring - 1));
                    uint value = random.Next(3) == 0 ? (uint)random.Next() : BinaryPrimitives.ReverseEndianness((uint)random.Next(20_000));
                    *(uint*)(_data + at) = value; // the mapping repeats the ring: 4 bytes past its end are fine
                }
                Volatile.Write(ref _seen, target);
            }
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }
    }
}
