using System.IO.Pipes;
using OncRpc.Transport;
using OncRpc.Tests.Support;

namespace OncRpc.Tests.Transport;

public class RpcRecordStreamTests
{
    [Fact]
    public async Task Writes_fragments_and_reads_whole_records()
    {
        var memory = new MemoryStream();
        await using (var writer = new RpcRecordStream(memory, maxFragmentSize: 4, leaveOpen: true))
        {
            await writer.WriteRecordAsync(new byte[] { 1, 2, 3, 4, 5, 6 }, TestContext.Current.CancellationToken);
            await writer.WriteRecordAsync(Array.Empty<byte>(), TestContext.Current.CancellationToken);
        }
        byte[] wire = memory.ToArray();
        Assert.Equal(XdrBytes.Concat(XdrBytes.Words(4), [1, 2, 3, 4], XdrBytes.Words(0x8000_0002), [5, 6], XdrBytes.Words(0x8000_0000)), wire);

        await using var reader = new RpcRecordStream(new MemoryStream(wire));
        byte[]? first = await reader.ReadRecordAsync(TestContext.Current.CancellationToken);
        byte[]? second = await reader.ReadRecordAsync(TestContext.Current.CancellationToken);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, first);
        Assert.Equal(Array.Empty<byte>(), second);
        Assert.Null(await reader.ReadRecordAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_stream_ending_inside_a_record_is_connection_lost()
    {
        await using var reader = new RpcRecordStream(new MemoryStream(XdrBytes.Concat(XdrBytes.Words(0x8000_0008), [1, 2, 3])));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadRecordAsync(TestContext.Current.CancellationToken));
        Assert.Equal(RpcStatus.ConnectionLost, e.Status);
    }

    [Fact]
    public async Task A_record_over_the_cap_is_message_too_large()
    {
        await using var reader = new RpcRecordStream(new MemoryStream(XdrBytes.Words(0xFFFF_FFFF)), maxRecordSize: 1000);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadRecordAsync(TestContext.Current.CancellationToken));
        Assert.Equal(RpcStatus.MessageTooLarge, e.Status);
    }

    [Fact]
    public async Task Records_cross_a_real_pipe_in_pieces()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        await using var reader = new RpcRecordStream(client, leaveOpen: true);
        byte[] payload = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
        byte[] wire = XdrBytes.Concat(XdrBytes.Words(1000), payload[..1000], XdrBytes.Words(0x8000_0000 | 4000), payload[1000..]);
        Task<byte[]?> read = reader.ReadRecordAsync(TestContext.Current.CancellationToken).AsTask();
        for (int i = 0; i < wire.Length; i += 333)
        {
            await server.WriteAsync(wire.AsMemory(i, Math.Min(333, wire.Length - i)), TestContext.Current.CancellationToken);
            await server.FlushAsync(TestContext.Current.CancellationToken);
        }
        byte[]? record = await read.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(payload, record);
    }
}
