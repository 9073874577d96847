using System.Diagnostics;
using System.Net;
using OncRpc.Diagnostics;
using OncRpc.Server;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Server;

// Global listeners (spans, meters) and allocation counts must not overlap: one collection, run alone.
[Collection(nameof(ServerMemoryCollection))]
public sealed class TracingTests
{
    private const uint Program = 0x2000_7777;

    [Fact]
    public async Task A_pending_call_span_does_not_become_the_parent_of_the_next_call()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Activity? slowSpan = null;
        Activity? fastSpan = null;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RpcServerDiagnostics.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);

        await using var server = new RpcServer();
        server.Dispatcher.Register<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(Program, 1, 1, "TRACE", "SLOW"), async (_, context) =>
        {
            slowSpan = Activity.Current;
            await gate.Task.WaitAsync(context.CancellationToken);
            return default;
        });
        server.Dispatcher.Register<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(Program, 1, 2, "TRACE", "FAST"), (_, _) =>
        {
            fastSpan = Activity.Current;
            return default;
        });
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        await server.StartAsync(TestContext.Current.CancellationToken);
        await using FakePeer peer = await FakePeer.ConnectAsync(server.EndPoints[0].EndPoint);

        await peer.SendMessageAsync(RpcBytes.CallMessage(1, Program, 1, 1));
        Assert.Equal(RpcBytes.Success(2), await peer.CallAsync(RpcBytes.CallMessage(2, Program, 1, 2)));
        gate.SetResult();
        Assert.Equal(RpcBytes.Success(1), await peer.ReceiveMessageAsync());

        Assert.NotNull(slowSpan);
        Assert.NotNull(fastSpan);
        Assert.Equal("TRACE/SLOW", slowSpan.DisplayName);
        Assert.Equal("TRACE/FAST", fastSpan.DisplayName);
        Assert.Null(fastSpan.Parent);
        Assert.Equal(ActivityKind.Server, fastSpan.Kind);
    }
}
