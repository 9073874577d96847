using System.Diagnostics;
using System.Net;
using OncRpc.Client;
using OncRpc.Xdr;

namespace OncRpc.LoadGenerator;

/// <summary>
/// The closed-loop client: <see cref="LoadOptions.Connections"/> clients, each with
/// <see cref="LoadOptions.InFlight"/> loops that issue the next call as soon as the previous reply
/// arrives. Like bench_clnt.c, calls started during the warm-up are not measured, and calls
/// started in the window [warm-up end, warm-up end + duration) are. Client CPU time and
/// allocations are differenced over that window; the server's come from its SNAPSHOT procedure
/// (our server only).
/// </summary>
public static class LoadRunner
{
    /// <summary>Runs the load; with <paramref name="telemetry"/> listening to phases, the client's
    /// phase totals over the measured window go into the result.</summary>
    public static async Task<LoadResult> RunAsync(LoadOptions options, EndPoint endPoint, CancellationToken cancellationToken,
        BenchTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new RpcClientOptions { Timeout = options.CallTimeout, Reconnect = true, Tls = options.Tls ? BenchTls.ClientOptions() : null };
        var clients = new RpcClient[options.Connections];
        // --gss: one RPCSEC_GSS context, made over a connection of its own (the server's contexts
        // are not tied to a connection), shared by every load connection.
        RpcClient? gssBootstrap = null;
        OncRpc.Auth.Gss.RpcSecGssCredentials? gss = null;
        if (options.Gss != "none")
        {
            gssBootstrap = await ConnectAsync(options.Transport, endPoint, new RpcClientOptions { Timeout = options.CallTimeout }, cancellationToken)
                .ConfigureAwait(false);
            gss = await OncRpc.Auth.Gss.RpcSecGssCredentials.CreateAsync(gssBootstrap, BenchProgram.Null.Program, BenchProgram.Null.Version,
                options.GssTarget, options.GssService, cancellationToken).ConfigureAwait(false);
            clientOptions = new RpcClientOptions { Timeout = options.CallTimeout, Reconnect = true, Credentials = gss };
        }
        try
        {
            for (int i = 0; i < clients.Length; i++)
            {
                clients[i] = await ConnectAsync(options.Transport, endPoint, clientOptions, cancellationToken).ConfigureAwait(false);
            }
            await using RpcClient control = await ConnectAsync(options.Transport, endPoint,
                new RpcClientOptions { Timeout = TimeSpan.FromSeconds(5), RetransmitInterval = TimeSpan.FromMilliseconds(200), MaxRetransmitInterval = TimeSpan.FromSeconds(1) },
                cancellationToken).ConfigureAwait(false);
            bool serverStats = await TrySnapshotAsync(control, 0, cancellationToken).ConfigureAwait(false) is not null;

            int size = options.EffectiveSize;
            var payload = new Payload(new XdrOpaque(CreateBytes(size)), BenchRecord.Create(options.Procedure == "record" ? size : 0));
            long start = Stopwatch.GetTimestamp();
            long measureStart = start + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
            long measureEnd = measureStart + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
            var tallies = new List<CallTally>();
            var tasks = new List<Task>();
            foreach (RpcClient client in clients)
            {
                for (int k = 0; k < options.InFlight; k++)
                {
                    if (options.Api is "raw" or "raw-async")
                    {
                        // The floors without the library: a socket of the loop's own (the client
                        // above stays idle), blocking calls on a dedicated thread or awaited ones.
                        var raw = new RawNullLoop(endPoint, measureStart, measureEnd);
                        tallies.Add(raw.Tally);
                        tasks.Add(options.Api == "raw"
                            ? Task.Factory.StartNew(raw.Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                            : Task.Run(raw.RunAsync, CancellationToken.None));
                        continue;
                    }
                    var loop = new Loop(client, options.Procedure, BenchProgram.Procedures(options.AtMostOnce), payload, measureStart, measureEnd, seed: tallies.Count * 1_000_000);
                    tallies.Add(loop.Tally);
                    tasks.Add(options.Api == "sync"
                        ? Task.Factory.StartNew(loop.RunSync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                        : Task.Run(loop.RunAsync, CancellationToken.None));
                }
            }

            await CallTally.DelayUntilAsync(measureStart, cancellationToken).ConfigureAwait(false);
            ServerStats? serverBefore = serverStats ? await TrySnapshotAsync(control, 0, cancellationToken).ConfigureAwait(false) : null;
            PhaseTotals? phasesBefore = telemetry?.Snapshot();
            TimeSpan cpuBefore = ProcessCounters.CpuTime();
            long allocBefore = GC.GetTotalAllocatedBytes(precise: true);
            int gen0Before = GC.CollectionCount(0);
            await CallTally.DelayUntilAsync(measureEnd, cancellationToken).ConfigureAwait(false);
            long allocAfter = GC.GetTotalAllocatedBytes(precise: true);
            TimeSpan cpuAfter = ProcessCounters.CpuTime();
            int gen0After = GC.CollectionCount(0);
            PhaseTotals? phasesAfter = telemetry?.Snapshot();
            ServerStats? serverAfter = serverStats ? await TrySnapshotAsync(control, 0, cancellationToken).ConfigureAwait(false) : null;
            await Task.WhenAll(tasks).WaitAsync(options.CallTimeout + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);

            (LatencyHistogram histogram, long errors, string? firstError) = CallTally.Merge(tallies);
            long calls = histogram.Count;
            double seconds = options.Duration.TotalSeconds;
            return new LoadResult
            {
                Options = options,
                Calls = calls,
                Seconds = seconds,
                CallsPerSecond = calls / seconds,
                MeanMicroseconds = histogram.Mean / 1000,
                P50Microseconds = histogram.ValueAtQuantile(0.50) / 1000.0,
                P90Microseconds = histogram.ValueAtQuantile(0.90) / 1000.0,
                P99Microseconds = histogram.ValueAtQuantile(0.99) / 1000.0,
                MaxMicroseconds = histogram.Max / 1000.0,
                Errors = errors,
                FirstError = firstError,
                ClientCpuMicrosecondsPerCall = calls == 0 ? null : (cpuAfter - cpuBefore).TotalMicroseconds / calls,
                ClientBytesPerCall = calls == 0 ? null : (double)(allocAfter - allocBefore) / calls,
                ClientGen0Collections = gen0After - gen0Before,
                ServerCpuMicrosecondsPerCall = PerServerCall(serverBefore, serverAfter, s => s.CpuNanoseconds / 1000.0),
                ServerBytesPerCall = PerServerCall(serverBefore, serverAfter, s => s.AllocatedBytes),
                ServerCalls = serverBefore is { } b && serverAfter is { } a ? (long)(a.Calls - b.Calls) : null,
                ClientPhases = phasesAfter?.Since(phasesBefore!),
                ServerGen0Collections = serverBefore is { } b0 && serverAfter is { } a0 ? (int)(a0.Gen0Collections - b0.Gen0Collections) : null,
            };
        }
        finally
        {
            foreach (RpcClient? client in clients)
            {
                if (client is not null)
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                }
            }
            if (gss is not null)
            {
                await gss.DisposeAsync().ConfigureAwait(false);
            }
            if (gssBootstrap is not null)
            {
                await gssBootstrap.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Opens <paramref name="count"/> TCP/Unix connections, makes one NULL call on each,
    /// and reports how much the server's resident set and GC heap grew (after a full collection on
    /// both snapshots).</summary>
    public static async Task<IdleConnectionsResult> RunIdleConnectionsAsync(LoadOptions options, EndPoint endPoint, int count,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await using RpcClient control = await ConnectAsync(options.Transport, endPoint, new RpcClientOptions(), cancellationToken).ConfigureAwait(false);
        ServerStats before = await TrySnapshotAsync(control, 1, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("the server does not answer the bench control program (is it ours?)");
        var clients = new List<RpcClient>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                RpcClient client = await ConnectAsync(options.Transport, endPoint, new RpcClientOptions(), cancellationToken).ConfigureAwait(false);
                clients.Add(client);
                await client.CallAsync<XdrVoid, XdrVoid>(BenchProgram.Null, default, cancellationToken).ConfigureAwait(false);
            }
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            ServerStats after = await TrySnapshotAsync(control, 1, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("the control call failed");
            return new IdleConnectionsResult(count, (long)after.WorkingSetBytes - (long)before.WorkingSetBytes,
                (long)after.GcHeapBytes - (long)before.GcHeapBytes, (long)before.WorkingSetBytes, (long)after.WorkingSetBytes);
        }
        finally
        {
            foreach (RpcClient client in clients)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static double? PerServerCall(ServerStats? before, ServerStats? after, Func<ServerStats, double> value)
    {
        if (before is not { } b || after is not { } a || a.Calls <= b.Calls)
        {
            return null;
        }
        return (value(a) - value(b)) / (a.Calls - b.Calls);
    }

    internal static async Task<RpcClient> ConnectAsync(string transport, EndPoint endPoint, RpcClientOptions options, CancellationToken cancellationToken) =>
        transport switch
        {
            "tcp" => await RpcClient.ConnectTcpAsync(endPoint, options, cancellationToken).ConfigureAwait(false),
            "unix" => await RpcClient.ConnectUnixAsync(((System.Net.Sockets.UnixDomainSocketEndPoint)endPoint).ToString(), options, cancellationToken)
                .ConfigureAwait(false),
            "shm" => await RpcClient.ConnectSharedMemoryAsync(((System.Net.Sockets.UnixDomainSocketEndPoint)endPoint).ToString(), options, cancellationToken)
                .ConfigureAwait(false),
            "udp" => RpcClient.CreateUdp((IPEndPoint)endPoint, options),
            _ => throw new ArgumentException($"unknown transport {transport}", nameof(transport)),
        };

    private static async Task<ServerStats?> TrySnapshotAsync(RpcClient control, int flags, CancellationToken cancellationToken)
    {
        try
        {
            return await control.CallAsync<XdrInt, ServerStats>(BenchProgram.Snapshot, flags, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            return null;
        }
    }


    private static byte[] CreateBytes(int size)
    {
        byte[] bytes = new byte[Math.Max(0, size)];
        bytes.AsSpan().Fill(0x5a);
        return bytes;
    }

    private sealed record Payload(XdrOpaque Bytes, BenchRecord Record);

    private sealed class Loop(RpcClient client, string procedure, BenchProcedures procs, Payload payload, long measureStart, long measureEnd, int seed)
    {
        public CallTally Tally { get; } = new(measureStart);

        // One async method per loop, the procedure switch inside it: the state machine is boxed
        // once per loop, not per call, so the client's bytes per call are the runtime's own.
        public async Task RunAsync()
        {
            int seq = seed;
            while (true)
            {
                long t0 = Stopwatch.GetTimestamp();
                if (t0 >= measureEnd)
                {
                    return;
                }
                bool ok;
                try
                {
                    switch (procedure)
                    {
                        case "add":
                            XdrInt sum = await client.CallAsync<AddArgs, XdrInt>(procs.Add, new AddArgs(seq, 1)).ConfigureAwait(false);
                            ok = sum.Value == unchecked(seq + 1);
                            break;
                        case "echo":
                            using (XdrPooledOpaque echoed = await client.CallAsync<XdrOpaque, XdrPooledOpaque>(procs.Echo, payload.Bytes).ConfigureAwait(false))
                            {
                                ok = echoed.Length == payload.Bytes.Value.Length;
                            }
                            break;
                        case "record":
                            BenchRecord record = await client.CallAsync<BenchRecord, BenchRecord>(procs.EchoRecord, payload.Record).ConfigureAwait(false);
                            ok = record.Id == payload.Record.Id && record.Items.Length == payload.Record.Items.Length;
                            break;
                        default:
                            await client.CallAsync<XdrVoid, XdrVoid>(procs.Null, default).ConfigureAwait(false);
                            ok = true;
                            break;
                    }
                }
                catch (RpcException e)
                {
                    ok = false;
                    Tally.Failed(e.Message);
                }
                seq++;
                if (!Tally.Record(t0, ok))
                {
                    return;
                }
            }
        }

        /// <summary>The same loop with blocking calls, on a dedicated thread: the thread that
        /// sends also reads the reply (libtirpc's clnt_call shape).</summary>
        public void RunSync()
        {
            int seq = seed;
            while (true)
            {
                long t0 = Stopwatch.GetTimestamp();
                if (t0 >= measureEnd)
                {
                    return;
                }
                bool ok;
                try
                {
                    switch (procedure)
                    {
                        case "add":
                            ok = client.Call<AddArgs, XdrInt>(procs.Add, new AddArgs(seq, 1)).Value == unchecked(seq + 1);
                            break;
                        case "echo":
                            using (XdrPooledOpaque echoed = client.Call<XdrOpaque, XdrPooledOpaque>(procs.Echo, payload.Bytes))
                            {
                                ok = echoed.Length == payload.Bytes.Value.Length;
                            }
                            break;
                        case "record":
                            BenchRecord record = client.Call<BenchRecord, BenchRecord>(procs.EchoRecord, payload.Record);
                            ok = record.Id == payload.Record.Id && record.Items.Length == payload.Record.Items.Length;
                            break;
                        default:
                            client.Call<XdrVoid, XdrVoid>(procs.Null, default);
                            ok = true;
                            break;
                    }
                }
                catch (RpcException e)
                {
                    ok = false;
                    Tally.Failed(e.Message);
                }
                seq++;
                if (!Tally.Record(t0, ok))
                {
                    return;
                }
            }
        }

    }
}

/// <summary>The server's growth for <see cref="LoadRunner.RunIdleConnectionsAsync"/>.</summary>
public sealed record IdleConnectionsResult(int Connections, long ResidentSetDeltaBytes, long GcHeapDeltaBytes, long ResidentSetBeforeBytes, long ResidentSetAfterBytes);
