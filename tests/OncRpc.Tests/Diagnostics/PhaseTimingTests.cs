using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using OncRpc.Client;
using OncRpc.Diagnostics;
using OncRpc.Diagnostics.Internal;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Diagnostics;

[CollectionDefinition(nameof(PhaseTimingCollection), DisableParallelization = true)]
public sealed class PhaseTimingCollection;

/// <summary>
/// Per-phase timing over real sockets: with a listener on the phase meters, one call records every
/// documented phase exactly once on each side, for every transport, both server engines and both
/// client APIs; without one, nothing is timed. Alone in its collection: phase timing is
/// process-wide, so no other test's listener may turn it on or off meanwhile.
/// </summary>
[Collection(nameof(PhaseTimingCollection))]
public sealed class PhaseTimingTests
{
    private static readonly string[] s_serverPhases = ["read", "queue", "header", "auth", "cache", "decode", "handler", "encode", "send"];
    private static readonly string[] s_clientPhases = ["encode", "wait_to_send", "send", "wait_for_reply", "decode", "resume"];
    private static int s_program = 0x20000900;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, int, bool> Cases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string transport in new[] { "tcp", "udp", "unix" })
        {
            foreach (int loops in new[] { 0, 1 })
            {
                data.Add(transport, loops, false);
                data.Add(transport, loops, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_timed_call_records_every_phase_once_on_each_side(string transport, int eventLoopThreads, bool sync)
    {
        uint program = (uint)Interlocked.Increment(ref s_program);
        var square = new RpcProcedureDescriptor(program, 1, 1, "PHASE_PROG", "SQUARE");
        using var phases = new PhaseRecorder(program);
        await using TestServer server = await TestServer.StartAsync(square, eventLoopThreads);
        await using RpcClient client = await server.ConnectAsync(transport);

        long result = sync
            ? (long)client.Call<XdrInt, XdrHyper>(square, 12, Ct)
            : (long)await client.CallAsync<XdrInt, XdrHyper>(square, 12, Ct);
        Assert.Equal(144, result);
        await phases.ServerSent.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(s_clientPhases.Order(), phases.Client.Select(m => m.Phase).Order());
        Assert.Equal(s_serverPhases.Order(), phases.Server.Select(m => m.Phase).Order());
        Assert.All(phases.Client.Concat(phases.Server), m => Assert.InRange(m.Seconds, 0, 10));
        Assert.All(phases.Server, m => Assert.Equal("SQUARE", m.Procedure));
        // The server saw the request after the client began sending it, and had the reply ready
        // before the client read it: all of its phases but its own send lie inside those two.
        double serverTime = phases.Server.Where(m => m.Phase != "send").Sum(m => m.Seconds);
        double clientTime = phases.Client.Where(m => m.Phase is "send" or "wait_for_reply").Sum(m => m.Seconds);
        Assert.True(serverTime <= clientTime, $"server phases {serverTime} s exceed the client's send and wait, {clientTime} s");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Concurrent_and_large_calls_record_each_phase_once_per_call(int eventLoopThreads)
    {
        uint program = (uint)Interlocked.Increment(ref s_program);
        var square = new RpcProcedureDescriptor(program, 1, 1, "PHASE_PROG", "SQUARE");
        var echo = new RpcProcedureDescriptor(program, 1, 2, "PHASE_PROG", "ECHO");
        using var phases = new PhaseRecorder(program);
        await using TestServer server = await TestServer.StartAsync(square, eventLoopThreads, echo);
        await using RpcClient client = await server.ConnectAsync("tcp");

        // 32 calls in flight share the connection's writer (queued records, batched writes), and a
        // 96 KiB call goes through the send queue as a record of its own.
        const int Calls = 32;
        Task[] calls = Enumerable.Range(0, Calls)
            .Select(i => (Task)client.CallAsync<XdrInt, XdrHyper>(square, i, Ct).AsTask())
            .Append(client.CallAsync<XdrOpaque, XdrOpaque>(echo, new XdrOpaque(new byte[96 * 1024]), Ct).AsTask())
            .ToArray();
        await Task.WhenAll(calls);
        Assert.True(SpinWait.SpinUntil(() => phases.Server.Count(m => m.Phase == "send") == Calls + 1, TimeSpan.FromSeconds(10)));

        foreach (string phase in s_serverPhases)
        {
            Assert.Equal(Calls + 1, phases.Server.Count(m => m.Phase == phase));
        }
        foreach (string phase in s_clientPhases)
        {
            int count = phases.Client.Count(m => m.Phase == phase);
            // A write whose reply was read before the writer stamped it leaves its time to the
            // wait for the reply: the send may be missing, nothing else.
            if (phase == "send")
            {
                Assert.InRange(count, 1, Calls + 1);
            }
            else
            {
                Assert.Equal(Calls + 1, count);
            }
        }
        Assert.Contains(phases.Server, m => m.Procedure == "ECHO" && m.Phase == "decode");
    }

    [Fact]
    public async Task A_call_answered_by_a_stage_records_the_phases_it_reached()
    {
        uint program = (uint)Interlocked.Increment(ref s_program);
        var square = new RpcProcedureDescriptor(program, 1, 1, "PHASE_PROG", "SQUARE");
        var missing = new RpcProcedureDescriptor(program, 1, 9, "PHASE_PROG", "MISSING");
        using var phases = new PhaseRecorder(program);
        await using TestServer server = await TestServer.StartAsync(square, eventLoopThreads: 1);
        await using RpcClient client = await server.ConnectAsync("tcp");

        RpcException e = await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<XdrInt, XdrHyper>(missing, 1, Ct));
        Assert.Equal(RpcStatus.ProcedureUnavailable, e.Status);
        await phases.ServerSent.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // PROC_UNAVAIL comes from the lookup: no arguments decoded, no handler, no result encoded.
        Assert.Equal(new[] { "auth", "cache", "header", "queue", "read", "send" }, phases.Server.Select(m => m.Phase).Order());
        // The client saw a reply: its phases are all there (the header is the decode).
        Assert.Equal(s_clientPhases.Order(), phases.Client.Select(m => m.Phase).Order());
    }

    [Fact]
    public async Task Span_events_carry_the_phases_when_timed_and_nothing_when_not()
    {
        uint program = (uint)Interlocked.Increment(ref s_program);
        var square = new RpcProcedureDescriptor(program, 1, 1, "PHASE_PROG", "SQUARE");
        var spans = new ConcurrentQueue<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name is RpcServerDiagnostics.ActivitySourceName or RpcClientDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.GetTagItem("onc_rpc.program.number") is uint p && p == program)
                {
                    spans.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(activities);
        // The usual metrics on, phases off: nothing is timed.
        using (MeterListener usual = Listen(i => i.Meter.Name is RpcServerDiagnostics.MeterName or RpcClientDiagnostics.MeterName))
        {
            await using TestServer server = await TestServer.StartAsync(square, eventLoopThreads: 1);
            await using RpcClient client = await server.ConnectAsync("tcp");
            Assert.False(ServerPhases.Enabled);
            Assert.Equal(0, ServerPhases.Timestamp());
            await client.CallAsync<XdrInt, XdrHyper>(square, 3, Ct);
            Assert.True(SpinWait.SpinUntil(() => spans.Count == 2, TimeSpan.FromSeconds(10)));
            Assert.All(spans, a => Assert.Empty(a.Events));

            spans.Clear();
            using (var phases = new PhaseRecorder(program))
            {
                await client.CallAsync<XdrInt, XdrHyper>(square, 3, Ct);
                Assert.True(SpinWait.SpinUntil(() => spans.Count == 2, TimeSpan.FromSeconds(10)));
            }
            Activity clientSpan = spans.Single(a => a.Kind == ActivityKind.Client);
            Activity serverSpan = spans.Single(a => a.Kind == ActivityKind.Server);
            Assert.Equal(s_clientPhases, clientSpan.Events.Select(e => e.Name));
            // The server span ends once the reply is encoded: every phase but the send.
            Assert.Equal(s_serverPhases[..^1], serverSpan.Events.Select(e => e.Name));
            Assert.All(clientSpan.Events.Concat(serverSpan.Events), e =>
                Assert.InRange((double)e.Tags.Single(t => t.Key == "onc_rpc.phase.duration").Value!, 0, 10));

            // The phase listener is gone: timing stops again.
            spans.Clear();
            await client.CallAsync<XdrInt, XdrHyper>(square, 3, Ct);
            Assert.True(SpinWait.SpinUntil(() => spans.Count == 2, TimeSpan.FromSeconds(10)));
            Assert.All(spans, a => Assert.Empty(a.Events));
        }
    }

    [Fact]
    public void Stamps_split_the_call_at_every_boundary_reached_and_skip_one_out_of_order()
    {
        var stamps = new PhaseStamps();
        stamps.Begin(100, 0);
        stamps.Set(1, 130);
        stamps.Set(3, 120); // stamped late by another thread: earlier than the boundary before it
        stamps.Set(4, 200);
        Span<long> ticks = stackalloc long[4];
        Assert.True(stamps.Split([-1, 0, 1, 2, 3], ticks));
        Assert.Equal(new long[] { 30, -1, -1, 70 }, ticks.ToArray());

        var off = new PhaseStamps();
        off.Begin(0, 0);
        off.Mark(1);
        Assert.False(off.On);
        Assert.False(off.Split([-1, 0], ticks));
    }

    private static MeterListener Listen(Func<Instrument, bool> which)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (which(instrument))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.Start();
        return listener;
    }

    private sealed record Measurement(string Phase, double Seconds, string? Procedure);

    /// <summary>Listens to both phase histograms, keeping the measurements of one program.</summary>
    private sealed class PhaseRecorder : IDisposable
    {
        private readonly MeterListener _listener;
        private readonly TaskCompletionSource _serverSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<Measurement> _client = new();
        private readonly ConcurrentQueue<Measurement> _server = new();

        public PhaseRecorder(uint program)
        {
            _listener = Listen(i => i.Meter.Name is RpcServerDiagnostics.PhasesMeterName or RpcClientDiagnostics.PhasesMeterName);
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                string? phase = null;
                string? procedure = null;
                uint? number = null;
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    switch (tag.Key)
                    {
                        case "onc_rpc.phase": phase = (string?)tag.Value; break;
                        case "onc_rpc.procedure.name": procedure = (string?)tag.Value; break;
                        case "onc_rpc.program.number": number = (uint?)tag.Value; break;
                    }
                }
                if (number != program || phase is null)
                {
                    return;
                }
                var measurement = new Measurement(phase, value, procedure);
                if (instrument.Meter.Name == RpcServerDiagnostics.PhasesMeterName)
                {
                    _server.Enqueue(measurement);
                    if (phase == "send")
                    {
                        _serverSent.TrySetResult();
                    }
                }
                else
                {
                    _client.Enqueue(measurement);
                }
            });
        }

        public Task ServerSent => _serverSent.Task;
        public IReadOnlyCollection<Measurement> Client => _client;
        public IReadOnlyCollection<Measurement> Server => _server;

        public void Dispose() => _listener.Dispose();
    }

    private sealed class TestServer : IAsyncDisposable
    {
        private readonly RpcServer _server;
        private readonly string _unixPath = Path.Combine(Path.GetTempPath(), $"oncrpc-phases-{Guid.NewGuid():N}.sock");

        private TestServer(RpcServer server) => _server = server;

        public static async Task<TestServer> StartAsync(RpcProcedureDescriptor square, int eventLoopThreads, RpcProcedureDescriptor? echo = null)
        {
            var server = new RpcServer(new RpcServerOptions { EventLoopThreads = eventLoopThreads });
            server.Dispatcher.Register<XdrInt, XdrHyper>(square, (n, _) => ValueTask.FromResult(new XdrHyper((long)n.Value * n.Value)));
            if (echo is not null)
            {
                server.Dispatcher.Register<XdrOpaque, XdrOpaque>(echo, (bytes, _) => ValueTask.FromResult(bytes));
            }
            var test = new TestServer(server);
            server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUnix(test._unixPath);
            await server.StartAsync(Ct);
            return test;
        }

        public async Task<RpcClient> ConnectAsync(string transport)
        {
            EndPoint endPoint(RpcTransportKind kind) => _server.EndPoints.First(e => e.Transport == kind).EndPoint;
            return transport switch
            {
                "tcp" => await RpcClient.ConnectTcpAsync(endPoint(RpcTransportKind.Tcp), cancellationToken: Ct),
                "udp" => RpcClient.CreateUdp((IPEndPoint)endPoint(RpcTransportKind.Udp)),
                _ => await RpcClient.ConnectUnixAsync(_unixPath, cancellationToken: Ct),
            };
        }

        public async ValueTask DisposeAsync()
        {
            await _server.DisposeAsync();
            File.Delete(_unixPath);
        }
    }
}
