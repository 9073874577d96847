using OncRpc.Tests.Support;
using static OncRpc.Tests.Semantics.SemanticsHarness;

namespace OncRpc.Tests.Semantics;

/// <summary>The duplicate-request cache on disk: entries and replies survive a restart.</summary>
public sealed class CachePersistenceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("oncrpc-drc-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private SemanticsHarness Start() => new(o => o.DuplicateRequestCache!.PersistenceDirectory = _directory);

    private string LogPath => Path.Combine(_directory, "duplicate-requests.log");

    [Fact]
    public async Task A_restarted_server_replays_what_the_previous_run_answered()
    {
        byte[]? first;
        using (SemanticsHarness before = Start())
        {
            first = await before.CallAsync(11, Deposit, 3);
            await before.CallAsync(12, Deposit, 4);
        }
        using SemanticsHarness after = Start();
        Assert.Equal(2, after.Statistics.Loaded);
        Assert.Equal(first, await after.CallAsync(11, Deposit, 3));
        Assert.Equal(0, after.Executions);
        await after.CallAsync(13, Deposit, 3);
        Assert.Equal(1, after.Executions);
    }

    [Fact]
    public async Task A_torn_last_record_is_cut_off_and_the_rest_loads()
    {
        using (SemanticsHarness before = Start())
        {
            await before.CallAsync(1, Deposit);
            await before.CallAsync(2, Deposit);
        }
        long whole = new FileInfo(LogPath).Length;
        using (FileStream file = File.OpenWrite(LogPath))
        {
            file.SetLength(whole - 3); // a crash in the middle of the second record
        }
        using SemanticsHarness after = Start();
        Assert.Equal(1, after.Statistics.Loaded);
        Assert.True(new FileInfo(LogPath).Length < whole - 3);
        await after.CallAsync(1, Deposit);
        await after.CallAsync(2, Deposit);
        Assert.Equal(1, after.Executions);
    }

    /// <summary>Found by fuzzing (fuzz/findings/drc-log): a record with a right CRC but a reply that
    /// is not a REPLY to its xid was loaded, and a retransmission got those bytes as its reply.</summary>
    [Fact]
    public async Task A_record_whose_reply_is_not_a_reply_to_its_xid_is_refused()
    {
        using (SemanticsHarness before = Start())
        {
            await before.CallAsync(1, Deposit);
            await before.CallAsync(2, Deposit);
        }
        byte[] log = await File.ReadAllBytesAsync(LogPath, TestContext.Current.CancellationToken);
        // Second record: "DRC1", payload length, payload (..., key length at 32, key, reply length, reply), CRC.
        int second = 12 + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(log.AsSpan(4));
        int payloadLength = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(log.AsSpan(second + 4));
        Span<byte> payload = log.AsSpan(second + 8, payloadLength);
        int reply = 34 + System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(payload[32..]) + 4;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload[(reply + 4)..], 0); // msg_type CALL
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(log.AsSpan(second + 8 + payloadLength), System.IO.Hashing.Crc32.HashToUInt32(payload));
        await File.WriteAllBytesAsync(LogPath, log, TestContext.Current.CancellationToken);

        using SemanticsHarness after = Start();
        Assert.Equal(1, after.Statistics.Loaded);
        await after.CallAsync(1, Deposit);
        byte[]? answer = await after.CallAsync(2, Deposit);
        Assert.Equal(1, after.Executions); // run again, not replayed from the damaged record
        Assert.Equal(1u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(4)));
    }

    [Fact]
    public async Task Garbage_in_the_file_loads_nothing_and_crashes_nothing()
    {
        await File.WriteAllBytesAsync(LogPath, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 37))], TestContext.Current.CancellationToken);
        using SemanticsHarness after = Start();
        Assert.Equal(0, after.Statistics.Loaded);
        Assert.NotNull(await after.CallAsync(1, Deposit));
    }

    [Fact]
    public async Task Entries_older_than_max_age_are_not_loaded()
    {
        using (SemanticsHarness before = Start())
        {
            await before.CallAsync(1, Deposit);
        }
        using var after = new SemanticsHarness(o =>
        {
            o.DuplicateRequestCache!.PersistenceDirectory = _directory;
            o.DuplicateRequestCache.MaxAge = TimeSpan.FromSeconds(10);
        });
        Assert.Equal(1, after.Statistics.Loaded); // same virtual start time: young enough
        using var later = new SemanticsHarness(o =>
        {
            o.DuplicateRequestCache!.PersistenceDirectory = _directory;
            o.DuplicateRequestCache.MaxAge = TimeSpan.FromSeconds(10);
        });
        later.Time.Advance(TimeSpan.FromSeconds(60));
        await later.CallAsync(1, Deposit);
        Assert.Equal(1, later.Executions); // loaded at start, then aged out in virtual time
    }

    [Fact]
    public async Task A_full_disk_is_counted_and_logged_and_the_call_still_answered()
    {
        Assert.SkipUnless(File.Exists("/dev/full"), "needs /dev/full to stand for a full disk");
        File.CreateSymbolicLink(LogPath, "/dev/full"); // every write fails with ENOSPC
        using SemanticsHarness h = Start();
        byte[]? reply = await h.CallAsync(1, Deposit);
        Assert.Equal(RpcBytes.Success(1, XdrBytes.Words(1001)), reply);
        Assert.Equal(1, h.Statistics.PersistenceFailures);
        Assert.Equal(reply, await h.CallAsync(1, Deposit)); // still cached in memory
        Assert.Equal(1, h.Executions);
    }
}
