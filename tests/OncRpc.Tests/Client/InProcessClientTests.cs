using Microsoft.Extensions.Time.Testing;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

/// <summary>RpcClient.CreateInProcess: calls encoded, run through the server's call pipeline and
/// decoded back, with no socket; timeouts, cancellation and disposal as on other transports.</summary>
public sealed class InProcessClientTests
{
    private const uint Program = 0x2000_0400;
    private static readonly RpcProcedureDescriptor s_double = new(Program, 1, 1);
    private static readonly RpcProcedureDescriptor s_wait = new(Program, 1, 2);
    private static readonly RpcProcedureDescriptor s_note = new(Program, 1, 3) { Semantics = RpcCallSemantics.Maybe };
    private static readonly RpcProcedureDescriptor s_transport = new(Program, 1, 4);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Service
    {
        public TaskCompletionSource<int> Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<CancellationToken> Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<string> Noted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public RpcDispatcher Dispatcher() => new RpcDispatcher()
            .Register<XdrInt, XdrInt>(s_double, (x, _) => new ValueTask<XdrInt>(x.Value * 2))
            .Register<XdrVoid, XdrInt>(s_wait, async (_, context) =>
            {
                Waiting.TrySetResult(context.CancellationToken);
                try
                {
                    return await Release.Task.WaitAsync(context.CancellationToken);
                }
                finally
                {
                    Ended.TrySetResult();
                }
            })
            .Register<XdrString, XdrVoid>(s_note, (s, _) => { Noted.TrySetResult(s.Value); return default; })
            .Register<XdrVoid, XdrString>(s_transport, (_, context) => new ValueTask<XdrString>($"{context.Transport} {context.RemoteEndPoint}"));
    }

    [Fact]
    public async Task Async_and_blocking_calls_go_through_the_pipeline()
    {
        await using RpcClient client = RpcClient.CreateInProcess(new Service().Dispatcher());
        Assert.Equal(42, (await client.CallAsync<XdrInt, XdrInt>(s_double, 21, Ct)).Value);
        Assert.Equal(-8, client.Call<XdrInt, XdrInt>(s_double, -4, Ct).Value);
        string seen = (await client.CallAsync<XdrVoid, XdrString>(s_transport, default, Ct)).Value;
        Assert.StartsWith("Local ", seen, StringComparison.Ordinal);
        // Many at once: each reply finds its call by xid.
        var calls = Enumerable.Range(0, 200).Select(i => client.CallAsync<XdrInt, XdrInt>(s_double, i, Ct).AsTask()).ToArray();
        Assert.Equal(Enumerable.Range(0, 200).Select(i => i * 2), (await Task.WhenAll(calls)).Select(r => r.Value));
    }

    [Fact]
    public async Task Protocol_errors_are_mapped_as_from_a_real_server()
    {
        await using RpcClient client = RpcClient.CreateInProcess(new Service().Dispatcher());
        var garbage = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CallAsync<XdrString, XdrInt>(s_double, "not an int", Ct));
        Assert.Equal(RpcStatus.GarbageArguments, garbage.Status);
        var procedure = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CallAsync<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(Program, 1, 99), default, Ct));
        Assert.Equal(RpcStatus.ProcedureUnavailable, procedure.Status);
        var version = Assert.Throws<RpcException>(() =>
            client.Call<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(Program, 7, 0), default, Ct));
        Assert.Equal((RpcStatus.ProgramMismatch, 1u, 1u), (version.Status, version.Low, version.High));
        var program = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CallAsync<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(Program + 1, 1, 0), default, Ct));
        Assert.Equal(RpcStatus.ProgramUnavailable, program.Status);
    }

    [Fact]
    public async Task A_call_times_out_in_virtual_time_and_its_late_reply_is_dropped()
    {
        var time = new FakeTimeProvider();
        var service = new Service();
        await using RpcClient client = RpcClient.CreateInProcess(service.Dispatcher(), null,
            new RpcClientOptions { Timeout = TimeSpan.FromSeconds(5), TimeProvider = time });
        ValueTask<XdrInt> pending = client.CallAsync<XdrVoid, XdrInt>(s_wait, default, Ct);
        await service.Waiting.Task;
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<RpcException>(async () => await pending);
        Assert.Equal(RpcStatus.TimedOut, e.Status);
        service.Release.SetResult(1); // the reply now matches no call
        await service.Ended.Task;
        Assert.Equal(6, (await client.CallAsync<XdrInt, XdrInt>(s_double, 3, Ct)).Value);
    }

    [Fact]
    public async Task A_blocking_call_times_out_in_virtual_time()
    {
        var time = new FakeTimeProvider();
        var service = new Service();
        await using RpcClient client = RpcClient.CreateInProcess(service.Dispatcher(), null,
            new RpcClientOptions { Timeout = TimeSpan.FromSeconds(5), TimeProvider = time });
        Task<RpcException> blocked = Task.Run(() => Assert.Throws<RpcException>(() => client.Call<XdrVoid, XdrInt>(s_wait, default, Ct)), Ct);
        await service.Waiting.Task;
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(RpcStatus.TimedOut, (await blocked).Status);
        service.Release.SetResult(1);
    }

    [Fact]
    public async Task Cancellation_ends_the_callers_wait()
    {
        var service = new Service();
        await using RpcClient client = RpcClient.CreateInProcess(service.Dispatcher());
        using var cts = new CancellationTokenSource();
        ValueTask<XdrInt> pending = client.CallAsync<XdrVoid, XdrInt>(s_wait, default, cts.Token);
        await service.Waiting.Task;
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);

        // A blocked caller too: canceled once its call is running on the server.
        var second = new Service();
        await using RpcClient syncClient = RpcClient.CreateInProcess(second.Dispatcher());
        using var syncCts = new CancellationTokenSource();
        Task blocked = Task.Run(() => Assert.ThrowsAny<OperationCanceledException>(() => syncClient.Call<XdrVoid, XdrInt>(s_wait, default, syncCts.Token)), Ct);
        await second.Waiting.Task;
        await syncCts.CancelAsync();
        await blocked;
        second.Release.SetResult(1);
        service.Release.SetResult(1);
    }

    [Fact]
    public async Task Disposing_fails_pending_calls_fires_handler_tokens_and_waits_for_them()
    {
        var service = new Service();
        RpcClient client = RpcClient.CreateInProcess(service.Dispatcher());
        ValueTask<XdrInt> pending = client.CallAsync<XdrVoid, XdrInt>(s_wait, default, Ct);
        CancellationToken handlerToken = await service.Waiting.Task;
        await client.DisposeAsync();
        Assert.True(handlerToken.IsCancellationRequested);
        Assert.True(service.Ended.Task.IsCompleted); // disposal waited for the handler
        var e = await Assert.ThrowsAsync<RpcException>(async () => await pending);
        Assert.Equal(RpcStatus.ConnectionLost, e.Status);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.CallAsync<XdrInt, XdrInt>(s_double, 1, Ct));
    }

    [Fact]
    public async Task One_way_and_raw_calls_reach_the_handler()
    {
        var service = new Service();
        await using RpcClient client = RpcClient.CreateInProcess(service.Dispatcher());
        await client.SendOneWayAsync<XdrString>(s_note, "fire and forget", Ct);
        Assert.Equal("fire and forget", await service.Noted.Task);
        byte[] call = OncRpc.Tests.Support.RpcBytes.CallMessage(77, Program, 1, 1, arguments: OncRpc.Tests.Support.XdrBytes.Words(5));
        ReadOnlyMemory<byte> reply = await client.CallRawAsync(call, Ct);
        Assert.Equal(OncRpc.Testing.Hex.Of(OncRpc.Tests.Support.RpcBytes.Success(77, OncRpc.Tests.Support.XdrBytes.Words(10))), OncRpc.Testing.Hex.Of(reply.ToArray()));
    }
}
