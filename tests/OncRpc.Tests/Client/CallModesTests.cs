using System.Diagnostics;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

public class CallModesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_way_calls_return_once_written()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        await client.SendOneWayAsync<XdrInt>(TcpClientTests.Echo, 11, Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        Assert.Equal(11, received.IntArgument);
    }

    [Fact]
    public async Task Batched_calls_wait_for_a_normal_call_to_flush_them()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        await client.BatchAsync<XdrInt>(TcpClientTests.Echo, 1, Ct);
        await client.BatchAsync<XdrInt>(TcpClientTests.Echo, 2, Ct);
        Assert.True(await peer.ReceivesNothingAsync(TimeSpan.FromMilliseconds(300)));

        ValueTask<XdrInt> flush = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, 3, Ct);
        ReceivedCall b1 = await peer.ReadCallAsync();
        ReceivedCall b2 = await peer.ReadCallAsync();
        ReceivedCall normal = await peer.ReadCallAsync();
        Assert.Equal([1, 2, 3], new[] { b1.IntArgument, b2.IntArgument, normal.IntArgument });
        Assert.True(b1.Xid < b2.Xid && b2.Xid < normal.Xid);
        await peer.SendMessageAsync(RpcBytes.Success(normal.Xid, XdrBytes.Int(3)));
        Assert.Equal(3, (int)await flush);
    }

    [Fact]
    public async Task A_normal_call_queued_before_a_batched_one_is_sent_without_waiting()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        for (int round = 0; round < 20; round++)
        {
            ValueTask<XdrInt> normal = client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, round, Ct);
            await client.BatchAsync<XdrInt>(TcpClientTests.Echo, -1, Ct);
            ReceivedCall received = await peer.ReadCallAsync(TimeSpan.FromSeconds(5));
            if (received.IntArgument == -1)
            {
                received = await peer.ReadCallAsync(TimeSpan.FromSeconds(5)); // the previous round's batched call
            }
            Assert.Equal(round, received.IntArgument);
            await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(round)));
            Assert.Equal(round, (int)await normal);
        }
    }

    [Fact]
    public async Task Raw_calls_return_the_whole_reply_message()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        byte[] message = XdrBytes.Words(0x0BADCAFE, 0, 3, 7, 1, 0, 0, 0, 0, 0);
        ValueTask<ReadOnlyMemory<byte>> raw = client.CallRawAsync(message, Ct);
        byte[] received = await peer.ReceiveMessageAsync();
        Assert.Equal(message, received);
        byte[] reply = RpcBytes.RpcMismatch(0x0BADCAFE, 2, 2);
        await peer.SendMessageAsync(reply);
        Assert.Equal(reply, (await raw).ToArray());
    }

    [Fact]
    public async Task Thousand_concurrent_calls_on_one_client_are_all_matched()
    {
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        const int Count = 1000;
        Task serverLoop = Task.Run(async () =>
        {
            // Answer in shuffled batches, so replies come back out of order.
            var random = new Random(42);
            var batch = new List<ReceivedCall>();
            for (int handled = 0; handled < Count;)
            {
                batch.Add(await peer.ReadCallAsync());
                if (batch.Count == 37 || handled + batch.Count == Count)
                {
                    foreach (ReceivedCall call in batch.OrderBy(_ => random.Next()))
                    {
                        await peer.SendMessageAsync(RpcBytes.Success(call.Xid, XdrBytes.Int(call.IntArgument * 3)));
                    }
                    handled += batch.Count;
                    batch.Clear();
                }
            }
        }, Ct);
        Task<XdrInt>[] calls = Enumerable.Range(0, Count)
            .Select(i => Task.Run(async () => await client.CallAsync<XdrInt, XdrInt>(TcpClientTests.Echo, i, Ct), Ct))
            .ToArray();
        XdrInt[] results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await serverLoop;
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(i * 3, results[i].Value);
        }
    }

    [Fact]
    public async Task Activities_carry_the_onc_rpc_attributes_when_listened_to()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "OncRpc.Client",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (activities) { activities.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);
        var descriptor = new RpcProcedureDescriptor(0x20000099, 3, 4, "TRACED_PROG", "TRACED_PROC");
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: Ct);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(descriptor, 1, Ct);
        ReceivedCall received = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Success(received.Xid, XdrBytes.Int(1)));
        await call;
        Activity activity;
        lock (activities)
        {
            activity = Assert.Single(activities, a => a.GetTagItem("onc_rpc.procedure.name") as string == "TRACED_PROC");
        }
        Assert.Equal(ActivityKind.Client, activity.Kind);
        Assert.Equal("onc_rpc", activity.GetTagItem("rpc.system"));
        Assert.Equal("TRACED_PROG", activity.GetTagItem("onc_rpc.program.name"));
        Assert.Equal(3u, activity.GetTagItem("onc_rpc.version"));
        Assert.Equal(4u, activity.GetTagItem("onc_rpc.procedure.number"));
    }
}

public class ClientMetricsTests
{
    [Fact]
    public async Task Call_duration_is_recorded_with_onc_rpc_tags_when_listened_to()
    {
        var ct = TestContext.Current.CancellationToken;
        var descriptor = new RpcProcedureDescriptor(0x20000098, 5, 6, "METERED_PROG", "METERED_PROC");
        var measurements = new List<(double Value, Dictionary<string, object?> Tags)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "OncRpc.Client" && instrument.Name == "rpc.client.call.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value;
            }
            lock (measurements)
            {
                measurements.Add((value, map));
            }
        });
        listener.Start();
        await using var server = new FakeStreamServer();
        await using RpcClient client = await RpcClient.ConnectTcpAsync(server.EndPoint, cancellationToken: ct);
        FakePeer peer = await server.AcceptAsync();
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(descriptor, 1, ct);
        ReceivedCall received = await peer.ReadCallAsync();
        await peer.SendMessageAsync(RpcBytes.Accepted(received.Xid, 1));
        await Assert.ThrowsAsync<RpcException>(async () => await call);
        lock (measurements)
        {
            var m = Assert.Single(measurements, m => m.Tags.GetValueOrDefault("onc_rpc.procedure.name") as string == "METERED_PROC");
            Assert.Equal("onc_rpc", m.Tags["rpc.system"]);
            Assert.Equal("METERED_PROG", m.Tags["onc_rpc.program.name"]);
            Assert.Equal("PROG_UNAVAIL", m.Tags["error.type"]);
            Assert.True(m.Value >= 0);
        }
    }
}
