using OncRpc.Server.Internal;

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
}
