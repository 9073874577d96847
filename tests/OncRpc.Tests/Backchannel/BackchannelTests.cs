using System.Net;
using Microsoft.Extensions.Time.Testing;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Backchannel;

/// <summary>Calls both ways on one connection, end to end: a real client serving callbacks and a
/// real server calling it back, over TCP and Unix, under both server I/O models.</summary>
public sealed class BackchannelTests
{
    internal const uint ForeProgram = 0x20000100;
    internal const uint CallbackProgram = 0x40000100;
    internal static readonly RpcProcedureDescriptor CallBack = new(ForeProgram, 1, 1, "FORE_PROG", "CALL_BACK");
    internal static readonly RpcProcedureDescriptor Echo = new(ForeProgram, 1, 2, "FORE_PROG", "ECHO");
    internal static readonly RpcProcedureDescriptor Twice = new(CallbackProgram, 1, 1, "CB_PROG", "DOUBLE");
    private static readonly RpcProcedureDescriptor Unknown = new(0x40000999, 1, 1, "NOBODY", "NOTHING");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<RpcTransportKind, int> Models => new()
    {
        { RpcTransportKind.Tcp, 0 },
        { RpcTransportKind.Tcp, 2 },
        { RpcTransportKind.Local, 0 },
        { RpcTransportKind.Local, 2 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Many_calls_in_flight_both_ways_on_one_connection(RpcTransportKind transport, int eventLoopThreads)
    {
        const int Calls = 64;
        // Every client-side handler waits until all 64 callbacks are in flight at once, then makes
        // a call of its own back to the server, nested: 64 calls and 64 callbacks wait on each
        // other, and 64 more calls run while they do, all over the one connection.
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int arrived = 0;
        int callbackMax = 0;
        await using var server = await TestServer.StartAsync(transport, new RpcServerOptions
        {
            EventLoopThreads = eventLoopThreads,
            MaxConcurrentCallsPerConnection = 2 * Calls,
            MaxBackchannelCallsPerConnection = Calls,
        });
        await using RpcClient client = await server.ConnectAsync();
        var callbacks = new RpcDispatcher();
        callbacks.Register<XdrInt, XdrInt>(Twice, async (n, context) =>
        {
            int now = Interlocked.Increment(ref arrived);
            InterlockedMax(ref callbackMax, now);
            if (now == Calls)
            {
                allArrived.TrySetResult();
            }
            await allArrived.Task.WaitAsync(context.CancellationToken);
            // The client's own call, from inside a callback, on the same connection.
            int echoed = (await client.CallAsync<XdrInt, XdrInt>(Echo, n, context.CancellationToken)).Value;
            Assert.Same(client, context.Backchannel);
            return new XdrInt(2 * echoed);
        });
        client.Serve(callbacks);

        Task<XdrInt>[] calls = [.. Enumerable.Range(1, Calls).Select(i => client.CallAsync<XdrInt, XdrInt>(CallBack, i, Ct).AsTask())];
        XdrInt[] results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        for (int i = 0; i < Calls; i++)
        {
            Assert.Equal(2 * (i + 1) + 1, results[i].Value);
        }
        Assert.Equal(Calls, callbackMax);
        Assert.Equal(Calls, server.ForeMax);
        Assert.Equal(1, server.Server.ConnectionCount);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Backchannel_replies_get_through_a_connection_at_its_call_limit(RpcTransportKind transport, int eventLoopThreads)
    {
        // Every call slot is held by a handler waiting for its backchannel reply: the replies must
        // be read although no call may start.
        const int Limit = 4;
        await using var server = await TestServer.StartAsync(transport, new RpcServerOptions
        {
            EventLoopThreads = eventLoopThreads,
            MaxConcurrentCallsPerConnection = Limit,
        });
        await using RpcClient client = await server.ConnectAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int arrived = 0;
        var callbacks = new RpcDispatcher();
        callbacks.Register<XdrInt, XdrInt>(Twice, async (n, _) =>
        {
            if (Interlocked.Increment(ref arrived) == Limit)
            {
                gate.TrySetResult();
            }
            await gate.Task;
            return new XdrInt(2 * n.Value);
        });
        client.Serve(callbacks);
        XdrInt[] results = await Task.WhenAll(Enumerable.Range(1, Limit).Select(i => client.CallAsync<XdrInt, XdrInt>(CallBack, i, Ct).AsTask()))
            .WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal([3, 5, 7, 9], results.Select(r => r.Value));
        Assert.Equal(Limit, server.ForeMax);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Closing_the_connection_fails_the_calls_of_both_directions(RpcTransportKind transport, int eventLoopThreads)
    {
        await using var server = await TestServer.StartAsync(transport, new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        RpcClient client = await server.ConnectAsync(new RpcClientOptions { Reconnect = false });
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callbackCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callbacks = new RpcDispatcher();
        callbacks.Register<XdrInt, XdrInt>(Twice, async (n, context) =>
        {
            using CancellationTokenRegistration _ = context.CancellationToken.Register(() => callbackCancelled.TrySetResult());
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return n;
        });
        client.Serve(callbacks);

        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(CallBack, 1, Ct);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await client.DisposeAsync();

        // The client's call, the callback running on the client, and the server's backchannel
        // call all end: none waits for its timeout.
        RpcException fore = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(RpcStatus.ConnectionLost, fore.Status);
        await callbackCancelled.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        RpcException back = await server.BackchannelFailure.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RpcStatus.ConnectionLost, back.Status);
        // A backchannel kept past its call fails at once from now on.
        RpcException kept = await Assert.ThrowsAsync<RpcException>(async () =>
            await server.LastBackchannel!.CallAsync<XdrInt, XdrInt>(Twice, 1, Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(RpcStatus.ConnectionLost, kept.Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_graceful_stop_fails_backchannel_calls_at_once_so_it_drains(int eventLoopThreads)
    {
        await using var server = await TestServer.StartAsync(RpcTransportKind.Tcp, new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using RpcClient client = await server.ConnectAsync(new RpcClientOptions { Reconnect = false });
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callbacks = new RpcDispatcher();
        callbacks.Register<XdrInt, XdrInt>(Twice, async (n, _) =>
        {
            entered.TrySetResult();
            await release.Task; // answers only after the test is over
            return n;
        });
        client.Serve(callbacks);
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(CallBack, 1, Ct);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // No token: the stop must finish on its own, the server no longer reading the replies.
        await server.Server.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        RpcException back = await server.BackchannelFailure.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RpcStatus.ConnectionLost, back.Status);
        // The handler was answered before the connection closed: its failure, not a lost connection.
        RpcException fore = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(RpcStatus.SystemError, fore.Status);
        release.SetResult();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_forced_server_stop_fails_both_directions(int eventLoopThreads)
    {
        await using var server = await TestServer.StartAsync(RpcTransportKind.Tcp, new RpcServerOptions { EventLoopThreads = eventLoopThreads });
        await using RpcClient client = await server.ConnectAsync(new RpcClientOptions { Reconnect = false });
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callbacks = new RpcDispatcher();
        callbacks.Register<XdrInt, XdrInt>(Twice, async (n, context) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return n;
        });
        client.Serve(callbacks);
        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(CallBack, 1, Ct);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        await server.Server.StopAsync(new CancellationToken(canceled: true));

        RpcException back = await server.BackchannelFailure.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RpcStatus.ConnectionLost, back.Status);
        RpcException fore = await Assert.ThrowsAsync<RpcException>(async () => await call);
        // A stop first stops reading, which fails the backchannel; the handler waiting on it may
        // still get its answer (SYSTEM_ERR, its backchannel failure) out before the forced close
        // reaches the connection. Either way the call fails at once, never hangs or succeeds.
        Assert.Contains(fore.Status, new[] { RpcStatus.ConnectionLost, RpcStatus.SystemError });
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task A_program_the_client_does_not_serve_is_answered_PROG_UNAVAIL(RpcTransportKind transport, int eventLoopThreads)
    {
        await using var server = await TestServer.StartAsync(transport, new RpcServerOptions { EventLoopThreads = eventLoopThreads },
            backchannelProcedure: Unknown);
        await using RpcClient client = await server.ConnectAsync();
        client.Serve(new RpcDispatcher().Register<XdrInt, XdrInt>(Twice, (n, _) => ValueTask.FromResult(n)));

        RpcException e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrInt, XdrInt>(CallBack, 1, Ct));
        // The handler's backchannel failure, passed through as its answer.
        Assert.Equal(RpcStatus.SystemError, e.Status);
        RpcException back = await server.BackchannelFailure.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RpcStatus.ProgramUnavailable, back.Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task A_client_without_services_drops_the_call_and_the_backchannel_times_out_in_server_time(int eventLoopThreads)
    {
        var time = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(RpcTransportKind.Tcp, new RpcServerOptions
        {
            EventLoopThreads = eventLoopThreads,
            TimeProvider = time,
            BackchannelTimeout = TimeSpan.FromSeconds(5),
        });
        await using RpcClient client = await server.ConnectAsync();

        ValueTask<XdrInt> call = client.CallAsync<XdrInt, XdrInt>(CallBack, 1, Ct);
        await server.BackchannelSent.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.False(server.BackchannelFailure.Task.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(6));

        RpcException back = await server.BackchannelFailure.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RpcStatus.TimedOut, back.Status);
        RpcException fore = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(RpcStatus.SystemError, fore.Status);
        // The connection is fine: calls go on.
        Assert.Equal(7, (await client.CallAsync<XdrInt, XdrInt>(Echo, 7, Ct)).Value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Backchannel_calls_beyond_the_limit_wait_for_a_slot(int eventLoopThreads)
    {
        await using var server = await TestServer.StartAsync(RpcTransportKind.Tcp, new RpcServerOptions
        {
            EventLoopThreads = eventLoopThreads,
            MaxBackchannelCallsPerConnection = 2,
        });
        await using RpcClient client = await server.ConnectAsync();
        int running = 0;
        int max = 0;
        int total = 0;
        var twoIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callbacks = new RpcDispatcher();
        callbacks.Register<XdrInt, XdrInt>(Twice, async (n, _) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref max, now);
            if (Interlocked.Increment(ref total) == 2)
            {
                twoIn.TrySetResult();
            }
            // The first two hold their slots until both run; the rest pass straight through.
            await twoIn.Task;
            Interlocked.Decrement(ref running);
            return new XdrInt(2 * n.Value);
        });
        client.Serve(callbacks);
        XdrInt[] results = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => client.CallAsync<XdrInt, XdrInt>(CallBack, i, Ct).AsTask()))
            .WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => 2 * i + 1), results.Select(r => r.Value));
        Assert.Equal(2, max);
    }

    [Fact]
    public async Task Callbacks_beyond_the_client_limit_are_answered_SYSTEM_ERR()
    {
        await using var server = await TestServer.StartAsync(RpcTransportKind.Tcp, new RpcServerOptions { EventLoopThreads = 0 });
        await using RpcClient client = await server.ConnectAsync(new RpcClientOptions { MaxConcurrentCallbacks = 1 });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callbacks = new RpcDispatcher();
        callbacks.Register<XdrInt, XdrInt>(Twice, async (n, _) =>
        {
            await gate.Task;
            return new XdrInt(2 * n.Value);
        });
        client.Serve(callbacks);
        ValueTask<XdrInt> first = client.CallAsync<XdrInt, XdrInt>(CallBack, 1, Ct);
        await server.BackchannelSent.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        server.ResetSignals();
        // The second callback finds the only slot taken.
        RpcException e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrInt, XdrInt>(CallBack, 2, Ct));
        Assert.Equal(RpcStatus.SystemError, e.Status);
        RpcException back = await server.BackchannelFailure.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(RpcStatus.SystemError, back.Status);
        gate.SetResult();
        Assert.Equal(3, (await first).Value);
    }

    [Fact]
    public async Task Udp_has_no_backchannel()
    {
        await using var server = await TestServer.StartAsync(RpcTransportKind.Udp, new RpcServerOptions());
        await using RpcClient client = server.CreateUdp();
        Assert.Throws<NotSupportedException>(() => client.Serve(new RpcDispatcher()));
        // The handler finds no backchannel and says so.
        RpcException e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrInt, XdrInt>(CallBack, 1, Ct));
        Assert.Equal(RpcStatus.SystemError, e.Status);
        Assert.IsType<InvalidOperationException>(await server.HandlerFailure.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task Serving_twice_is_refused_and_blocking_backchannel_calls_are_not_offered()
    {
        await using var server = await TestServer.StartAsync(RpcTransportKind.Tcp, new RpcServerOptions(), blocking: true);
        await using RpcClient client = await server.ConnectAsync();
        client.Serve(new RpcDispatcher().Register<XdrInt, XdrInt>(Twice, (n, _) => ValueTask.FromResult(n)));
        Assert.Throws<InvalidOperationException>(() => client.Serve(new RpcDispatcher()));
        await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrInt, XdrInt>(CallBack, 1, Ct));
        Assert.IsType<NotSupportedException>(await server.HandlerFailure.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Blocking_calls_of_a_client_serving_callbacks_are_answered(bool serveFirst)
    {
        await using var server = await TestServer.StartAsync(RpcTransportKind.Tcp, new RpcServerOptions { EventLoopThreads = 0 });
        await using RpcClient client = await server.ConnectAsync();
        RpcDispatcher callbacks = new RpcDispatcher().Register<XdrInt, XdrInt>(Twice, (n, _) => ValueTask.FromResult(new XdrInt(2 * n.Value)));
        if (serveFirst)
        {
            client.Serve(callbacks);
        }
        else
        {
            // A blocking caller has read on its own thread before; then the async reader takes over for good.
            Assert.Equal(4, await OnOwnThread(() => client.Call<XdrInt, XdrInt>(Echo, 4, Ct).Value));
            client.Serve(callbacks);
        }
        // Blocked threads of their own, not the pool's: the reader and the handlers need the pool.
        int[] results = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => OnOwnThread(() => client.Call<XdrInt, XdrInt>(CallBack, i, Ct).Value)))
            .WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => 2 * i + 1), results);
    }

    [Fact]
    public async Task A_reconnected_client_serves_its_callbacks_on_the_new_connection()
    {
        string path = Path.Combine(Path.GetTempPath(), $"oncrpc-bc-{Guid.NewGuid():N}.sock");
        // Created lazily: Serve comes before any connection exists.
        await using RpcClient client = RpcClient.CreateUnix(path);
        client.Serve(new RpcDispatcher().Register<XdrInt, XdrInt>(Twice, (n, _) => ValueTask.FromResult(new XdrInt(2 * n.Value))));
        await using (TestServer first = await TestServer.StartAsync(RpcTransportKind.Local, new RpcServerOptions(), unixPath: path))
        {
            Assert.Equal(3, (await client.CallAsync<XdrInt, XdrInt>(CallBack, 1, Ct)).Value);
        }
        await using TestServer second = await TestServer.StartAsync(RpcTransportKind.Local, new RpcServerOptions(), unixPath: path);
        try
        {
            await client.CallAsync<XdrInt, XdrInt>(Echo, 1, Ct);
        }
        catch (RpcException e) when (e.Status == RpcStatus.ConnectionLost)
        {
            // Sent before the client noticed the first server leave; the next call reconnects.
        }
        Assert.Equal(5, (await client.CallAsync<XdrInt, XdrInt>(CallBack, 2, Ct)).Value);
    }

    private static Task<T> OnOwnThread<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }) { IsBackground = true }.Start();
        return done.Task;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
