using System.Diagnostics;
using Google.Protobuf;
using Grpc.Net.Client;
using OncRpc.LoadGenerator;

namespace OncRpc.GrpcBench;

/// <summary>
/// The closed-loop gRPC client, shaped as OncRpc.LoadGenerator's LoadRunner: <see cref="LoadOptions.Connections"/>
/// channels (each one HTTP/2 connection: Kestrel allows 100 streams on one, more than the 64 in
/// flight measured), each with <see cref="LoadOptions.InFlight"/> loops that await one call after
/// another. Calls started in the warm-up are not measured, those started in
/// [warm-up end, warm-up end + duration) are; client CPU and allocations are differenced over that
/// window, the server's through its Snapshot method. Channels use Grpc.Net.Client's defaults (its
/// own SocketsHttpHandler) and calls carry no deadline, as ours carry none on the wire.
/// </summary>
internal static class GrpcLoadRunner
{
    public static async Task<LoadResult> RunAsync(LoadOptions options, CancellationToken cancellationToken)
    {
        var address = new Uri("http://" + (options.Target ?? throw new ArgumentException("no target", nameof(options))));
        var channels = new GrpcChannel[options.Connections];
        try
        {
            var clients = new Bench.BenchClient[channels.Length];
            for (int i = 0; i < channels.Length; i++)
            {
                channels[i] = GrpcChannel.ForAddress(address);
                clients[i] = new Bench.BenchClient(channels[i]);
                // Opens the channel's connection before anything is timed.
                await clients[i].NullAsync(new Empty(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            }
            Bench.BenchClient control = clients[0];

            byte[] bytes = new byte[options.EffectiveSize];
            bytes.AsSpan().Fill(0x5a);
            var payload = new Blob { Data = ByteString.CopyFrom(bytes) };
            long start = Stopwatch.GetTimestamp();
            long measureStart = start + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
            long measureEnd = measureStart + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency);
            var loops = new List<Loop>();
            var tasks = new List<Task>();
            foreach (Bench.BenchClient client in clients)
            {
                for (int k = 0; k < options.InFlight; k++)
                {
                    var loop = new Loop(client, options.Procedure, payload, measureStart, measureEnd, seed: loops.Count * 1_000_000);
                    loops.Add(loop);
                    tasks.Add(Task.Run(loop.RunAsync, CancellationToken.None));
                }
            }

            await CallTally.DelayUntilAsync(measureStart, cancellationToken).ConfigureAwait(false);
            ServerStats serverBefore = await control.SnapshotAsync(new SnapshotRequest(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            TimeSpan cpuBefore = ProcessCounters.CpuTime();
            long allocBefore = GC.GetTotalAllocatedBytes(precise: true);
            int gen0Before = GC.CollectionCount(0);
            await CallTally.DelayUntilAsync(measureEnd, cancellationToken).ConfigureAwait(false);
            long allocAfter = GC.GetTotalAllocatedBytes(precise: true);
            TimeSpan cpuAfter = ProcessCounters.CpuTime();
            int gen0After = GC.CollectionCount(0);
            ServerStats serverAfter = await control.SnapshotAsync(new SnapshotRequest(), cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
            await Task.WhenAll(tasks).WaitAsync(options.CallTimeout + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);

            (LatencyHistogram histogram, long errors, string? firstError) = CallTally.Merge(loops.Select(loop => loop.Tally));
            long calls = histogram.Count;
            double serverCalls = serverAfter.Calls - serverBefore.Calls;
            return new LoadResult
            {
                Options = options,
                Calls = calls,
                Seconds = options.Duration.TotalSeconds,
                CallsPerSecond = calls / options.Duration.TotalSeconds,
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
                ServerCpuMicrosecondsPerCall = serverCalls > 0 ? (serverAfter.CpuNanoseconds - serverBefore.CpuNanoseconds) / 1000.0 / serverCalls : null,
                ServerBytesPerCall = serverCalls > 0 ? (serverAfter.AllocatedBytes - serverBefore.AllocatedBytes) / serverCalls : null,
                ServerCalls = (long)serverCalls,
                ServerGen0Collections = (int)(serverAfter.Gen0Collections - serverBefore.Gen0Collections),
            };
        }
        finally
        {
            foreach (GrpcChannel? channel in channels)
            {
                channel?.Dispose();
            }
        }
    }


    private sealed class Loop(Bench.BenchClient client, string procedure, Blob payload, long measureStart, long measureEnd, int seed)
    {
        private static readonly Empty s_empty = new();

        public CallTally Tally { get; } = new(measureStart);

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
                            AddResult sum = await client.AddAsync(new AddArgs { A = seq, B = 1 }).ResponseAsync.ConfigureAwait(false);
                            ok = sum.Sum == unchecked(seq + 1);
                            break;
                        case "echo":
                            Blob echoed = await client.EchoAsync(payload).ResponseAsync.ConfigureAwait(false);
                            ok = echoed.Data.Length == payload.Data.Length;
                            break;
                        default:
                            await client.NullAsync(s_empty).ResponseAsync.ConfigureAwait(false);
                            ok = true;
                            break;
                    }
                }
                catch (Grpc.Core.RpcException e)
                {
                    ok = false;
                    Tally.Failed(e.Status.ToString());
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
