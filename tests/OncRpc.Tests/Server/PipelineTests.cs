using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Diagnostics;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Server;

/// <summary>The call pipeline in memory, without sockets.</summary>
// Global listeners (spans, meters) and allocation counts must not overlap: one collection, run alone.
[Collection(nameof(ServerMemoryCollection))]
public sealed class PipelineTests
{
    private const uint Program = 0x2000_4321;

    private static RpcServerRuntime CreateRuntime(RpcServerOptions? options = null)
    {
        var dispatcher = new RpcDispatcher();
        dispatcher.Register<XdrInt, XdrInt>(new RpcProcedureDescriptor(Program, 2, 1, "P", "INC"),
            static (x, _) => ValueTask.FromResult(new XdrInt(x.Value + 1)));
        dispatcher.Register<XdrInt, XdrInt>(new RpcProcedureDescriptor(Program, 5, 1, "P", "INC"),
            static (x, _) => ValueTask.FromResult(new XdrInt(x.Value + 1)));
        return new RpcServerRuntime(options ?? new RpcServerOptions(), dispatcher, NullLogger.Instance);
    }

    private static Task<byte[]?> RunAsync(RpcServerRuntime runtime, byte[] message) => OneCallSite.RunAsync(runtime, message);

    [Fact]
    public void Stages_run_header_auth_lookup_semantics_orphans_invoke_in_order()
    {
        using RpcServerRuntime runtime = CreateRuntime();
        Assert.Collection(runtime.Pipeline.Stages,
            s => Assert.IsType<HeaderStage>(s),
            s => Assert.IsType<AuthStage>(s),
            s => Assert.IsType<LookupStage>(s),
            s => Assert.IsType<SemanticsStage>(s),
            s => Assert.IsType<OrphanStage>(s),
            s => Assert.IsType<InvokeStage>(s));
    }

    [Fact]
    public async Task Pipeline_answers_in_memory()
    {
        using RpcServerRuntime runtime = CreateRuntime();
        Assert.Equal(RpcBytes.Success(1, XdrBytes.Words(8)), await RunAsync(runtime, RpcBytes.CallMessage(1, Program, 2, 1, XdrBytes.Words(7))));
        Assert.Equal(RpcBytes.ProgramMismatch(2, 2, 5), await RunAsync(runtime, RpcBytes.CallMessage(2, Program, 3, 1)));
        Assert.Equal(RpcBytes.Success(3), await RunAsync(runtime, RpcBytes.CallMessage(3, Program, 5, 0)));
        Assert.Equal(RpcBytes.ProcedureUnavailable(4), await RunAsync(runtime, RpcBytes.CallMessage(4, Program, 5, 2)));
        Assert.Null(await RunAsync(runtime, RpcBytes.Success(5)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_synchronous_call_allocates_nothing_not_even_its_context(bool authSys)
    {
        using RpcServerRuntime runtime = CreateRuntime(new RpcServerOptions { EnableAuthShort = authSys });
        byte[] message = authSys
            ? RpcBytes.CallMessage(1, Program, 2, 1, XdrBytes.Words(7), RpcBytes.AuthSys, RpcBytes.AuthSysBody(9, "client.example", 1000, 100, 4, 24, 27))
            : RpcBytes.CallMessage(1, Program, 2, 1, XdrBytes.Words(7));
        RpcCall call = runtime.Calls.Begin(new InFlightOnlySite(), RpcTransportKind.Tcp, 4, CancellationToken.None, null, firstByte: 0);
        for (int i = 0; i < 100; i++)
        {
            call.SetRequest(message.AsSpan());
            ValueTask pending = runtime.Calls.Process(call);
            Assert.True(pending.IsCompletedSuccessfully);
            Assert.Equal(0u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(call.Reply.WrittenSpan[(authSys ? 32 : 24)..]));
            call.Reset();
            call.ReplyPrefix = 4;
        }
        const int calls = 1000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            call.SetRequest(message.AsSpan());
            ValueTask pending = runtime.Calls.Process(call);
            Assert.True(pending.IsCompletedSuccessfully);
            call.Reset();
            call.ReplyPrefix = 4;
        }
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
        // The context is a handle on state pooled with the call: nothing per call.
        Assert.True(perCall == 0, $"{perCall} bytes per call");
        await Task.CompletedTask;
    }

    [Fact]
    public void Dispatcher_rejects_duplicates_and_lists_versions()
    {
        var dispatcher = new RpcDispatcher();
        var descriptor = new RpcProcedureDescriptor(9, 1, 1);
        dispatcher.Register<XdrVoid, XdrVoid>(descriptor, static (_, _) => default);
        Assert.Throws<InvalidOperationException>(() => dispatcher.Register<XdrVoid, XdrVoid>(descriptor, static (_, _) => default));
        Assert.Equal(DispatchLookup.Found, dispatcher.Lookup(9, 1, 0, out _, out _, out _));
        dispatcher.Register<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(9, 4, 1), static (_, _) => default);
        Assert.Equal(DispatchLookup.ProgramMismatch, dispatcher.Lookup(9, 2, 1, out _, out uint low, out uint high));
        Assert.Equal((1u, 4u), (low, high));
        Assert.Equal([new RpcProgramVersion(9, 1), new RpcProgramVersion(9, 4)], dispatcher.ProgramVersions());
    }

    [Fact]
    public void Dispatcher_finds_procedures_by_number_sparse_or_huge_and_sees_later_registrations()
    {
        var dispatcher = new RpcDispatcher();
        foreach (uint procedure in new uint[] { 1, 7, 255, 256, 300, uint.MaxValue })
        {
            dispatcher.Register<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(9, 2, procedure), static (_, _) => default);
        }
        foreach (uint procedure in new uint[] { 0, 1, 7, 255, 256, 300, uint.MaxValue })
        {
            Assert.Equal(DispatchLookup.Found, dispatcher.Lookup(9, 2, procedure, out RpcProcedureEntry? entry, out _, out _));
            Assert.Equal(procedure, entry!.Descriptor.Procedure);
        }
        foreach (uint procedure in new uint[] { 2, 8, 254, 257, 299, 301, uint.MaxValue - 1 })
        {
            Assert.Equal(DispatchLookup.ProcedureUnavailable, dispatcher.Lookup(9, 2, procedure, out RpcProcedureEntry? entry, out _, out _));
            Assert.Null(entry);
        }
        Assert.Equal(DispatchLookup.ProgramUnavailable, dispatcher.Lookup(10, 2, 1, out _, out _, out _));
        Assert.Equal(DispatchLookup.ProgramMismatch, dispatcher.Lookup(9, 1, 1, out _, out uint low, out uint high));
        Assert.Equal((2u, 2u), (low, high));

        // A registration after calls were looked up is seen by the next lookup.
        dispatcher.Register<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(9, 2, 8), static (_, _) => default);
        dispatcher.Register<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(9, 3, 1000), static (_, _) => default);
        Assert.Equal(DispatchLookup.Found, dispatcher.Lookup(9, 2, 8, out _, out _, out _));
        Assert.Equal(DispatchLookup.Found, dispatcher.Lookup(9, 3, 1000, out _, out _, out _));
        Assert.Equal(DispatchLookup.Found, dispatcher.Lookup(9, 3, 0, out _, out _, out _));
        Assert.Equal(DispatchLookup.ProgramMismatch, dispatcher.Lookup(9, 4, 1, out _, out low, out high));
        Assert.Equal((2u, 3u), (low, high));
    }

    [Fact]
    public async Task The_duration_metric_times_calls_begun_while_it_listens_and_skips_one_begun_before()
    {
        // The start is read only while someone listens: a call that began before the listener
        // came has none, and must not be recorded as lasting since the clock's origin.
        var release = new TaskCompletionSource<XdrInt>(TaskCreationOptions.RunContinuationsAsynchronously);
        var dispatcher = new RpcDispatcher();
        dispatcher.Register<XdrInt, XdrInt>(new RpcProcedureDescriptor(Program, 7, 1, "P", "WAIT"),
            (_, _) => new ValueTask<XdrInt>(release.Task));
        dispatcher.Register<XdrInt, XdrInt>(new RpcProcedureDescriptor(Program, 7, 2, "P", "NOW"),
            static (x, _) => ValueTask.FromResult(x));
        using var runtime = new RpcServerRuntime(new RpcServerOptions(), dispatcher, NullLogger.Instance);
        Task<byte[]?> early = RunAsync(runtime, RpcBytes.CallMessage(1, Program, 7, 1, XdrBytes.Words(1)));

        var durations = new List<(uint Procedure, double Seconds)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RpcServerDiagnostics.MeterName && instrument.Name == "rpc.server.call.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            uint? program = null;
            uint? procedure = null;
            foreach (var tag in tags)
            {
                program = tag.Key == "onc_rpc.program.number" ? tag.Value as uint? : program;
                procedure = tag.Key == "onc_rpc.procedure.number" ? tag.Value as uint? : procedure;
            }
            if (program == Program)
            {
                lock (durations)
                {
                    durations.Add((procedure ?? 0, value));
                }
            }
        });
        meters.Start();

        release.SetResult(new XdrInt(5));
        Assert.Equal(RpcBytes.Success(1, XdrBytes.Words(5)), await early);
        Assert.Equal(RpcBytes.Success(2, XdrBytes.Words(3)), await RunAsync(runtime, RpcBytes.CallMessage(2, Program, 7, 2, XdrBytes.Words(3))));
        lock (durations)
        {
            (uint procedure, double seconds) = Assert.Single(durations);
            Assert.Equal(2u, procedure);
            Assert.InRange(seconds, 0, 60);
        }
    }

    [Fact]
    public async Task Telemetry_reports_spans_and_metrics_with_otel_names()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RpcServerDiagnostics.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (activities) { activities.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        long calls = 0;
        long errors = 0;
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RpcServerDiagnostics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "onc_rpc.program.number" && tag.Value is uint p && p == Program)
                {
                    Interlocked.Add(ref (instrument.Name == "onc_rpc.server.calls" ? ref calls : ref errors), value);
                }
            }
        });
        meters.Start();

        using RpcServerRuntime runtime = CreateRuntime();
        await RunAsync(runtime, RpcBytes.CallMessage(1, Program, 2, 1, XdrBytes.Words(7)));
        await RunAsync(runtime, RpcBytes.CallMessage(2, Program, 3, 1));

        Activity span;
        lock (activities)
        {
            span = Assert.Single(activities, a => a.GetTagItem("onc_rpc.program.name") as string == "P");
        }
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal("onc_rpc", span.GetTagItem("rpc.system"));
        Assert.Equal(2u, span.GetTagItem("onc_rpc.version"));
        Assert.Equal("INC", span.GetTagItem("onc_rpc.procedure.name"));
        Assert.Equal(1u, span.GetTagItem("onc_rpc.procedure.number"));
        Assert.Equal(2, Interlocked.Read(ref calls));
        Assert.Equal(1, Interlocked.Read(ref errors));
    }

    private sealed class InFlightOnlySite : ICallSite
    {
        public InFlightTracker InFlight { get; } = new();

        public ValueTask SendLateReplyAsync(RpcCall call) => ValueTask.CompletedTask;

        public void OnCallEnded()
        {
        }
    }
}
