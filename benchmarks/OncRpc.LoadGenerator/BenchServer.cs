using System.Diagnostics;
using System.Net;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.LoadGenerator;

/// <summary>
/// bench.x on <see cref="RpcServer"/>: NULL, ADD (wrapping, like bench_svc.c), ECHO, ECHO_RECORD,
/// plus the control program's SNAPSHOT. Handlers complete synchronously, so the server measures
/// the runtime's own call path.
/// </summary>
public sealed class BenchServer
{
    private long _calls;
    private PhaseTotals _previousPhases = PhaseTotals.Empty;
    private PhaseTotals _latestPhases = PhaseTotals.Empty;

    /// <summary>Listeners of this server's telemetry (<c>--telemetry</c>); with phases, every
    /// SNAPSHOT also snapshots the phase totals, so the window between the client's last two is
    /// what <see cref="PhaseWindow"/> reports.</summary>
    public BenchTelemetry? Telemetry { get; init; }

    /// <summary>Phase totals between the last two SNAPSHOT calls.</summary>
    public PhaseTotals PhaseWindow => _latestPhases.Since(_previousPhases);

    /// <summary>Calls served so far (bench procedures only).</summary>
    public long Calls => Volatile.Read(ref _calls);

    /// <summary>Registers bench.x and the control program on <paramref name="dispatcher"/>.</summary>
    public void Register(RpcDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        dispatcher.Register<XdrVoid, XdrVoid>(BenchProgram.Null, (_, _) =>
        {
            Interlocked.Increment(ref _calls);
            return default;
        });
        dispatcher.Register<AddArgs, XdrInt>(BenchProgram.Add, (args, _) =>
        {
            Interlocked.Increment(ref _calls);
            return new ValueTask<XdrInt>(unchecked(args.A + args.B));
        });
        // The arguments come back as the result; the dispatcher returns their pooled array once
        // the reply is encoded.
        dispatcher.Register<XdrPooledOpaque, XdrPooledOpaque>(BenchProgram.Echo, (args, _) =>
        {
            Interlocked.Increment(ref _calls);
            return new ValueTask<XdrPooledOpaque>(args);
        });
        dispatcher.Register<BenchRecord, BenchRecord>(BenchProgram.EchoRecord, (args, _) =>
        {
            Interlocked.Increment(ref _calls);
            return new ValueTask<BenchRecord>(args);
        });
        dispatcher.Register<XdrInt, ServerStats>(BenchProgram.Snapshot, (flags, _) =>
        {
            if (Telemetry is { } telemetry)
            {
                _previousPhases = _latestPhases;
                _latestPhases = telemetry.Snapshot();
            }
            return new ValueTask<ServerStats>(TakeStats(flags.Value));
        });
    }

    /// <summary>This process's counters; <paramref name="flags"/> bit 0 collects garbage first (for
    /// heap figures).</summary>
    public ServerStats TakeStats(int flags)
    {
        if ((flags & 1) != 0)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        return new ServerStats(
            (ulong)Calls,
            (ulong)(ProcessCounters.CpuTime().Ticks * 100),
            (ulong)GC.GetTotalAllocatedBytes(precise: true),
            (ulong)GC.GetTotalMemory(forceFullCollection: false),
            (ulong)ProcessCounters.ResidentSetBytes(),
            (uint)GC.CollectionCount(0),
            (uint)GC.CollectionCount(2));
    }

    /// <summary><c>serve</c> mode: listens on 127.0.0.1 (and/or a Unix socket, and/or a shared-memory end point), prints
    /// <c>READY tcpport udpport</c> like bench_svc, and runs until SIGTERM/SIGINT, stdin closing
    /// (when <paramref name="exitOnStdinEof"/>) or <paramref name="lifetime"/>.</summary>
    public static async Task<int> ServeAsync(int port, string transport, string? unixPath, string? shmPath, bool atMostOnce, TimeSpan lifetime,
        bool exitOnStdinEof, string telemetryMode, bool tls, TextWriter output, CancellationToken cancellationToken)
    {
        using var telemetry = new BenchTelemetry(telemetryMode);
        var bench = new BenchServer { Telemetry = telemetryMode == "phases" ? telemetry : null };
        var options = new RpcServerOptions { MaxConcurrentCallsPerConnection = 256, Tls = tls ? BenchTls.ServerOptions() : null };
        // RPCSEC_GSS calls (the client's --gss) are accepted with the key of KRB5_KTNAME; the
        // Kerberos library is loaded only when the first context arrives.
        using var gss = new OncRpc.Auth.Gss.RpcSecGssServer();
        options.AuthFlavors.Add(OncRpc.Auth.AuthFlavor.RpcSecGss, gss);
        await using var server = new RpcServer(options);
        bench.Register(server.Dispatcher);
        if (atMostOnce)
        {
            foreach (RpcProcedureDescriptor procedure in new[] { BenchProgram.Null, BenchProgram.Add, BenchProgram.Echo, BenchProgram.EchoRecord })
            {
                server.Dispatcher.Configure(procedure.Program, procedure.Version, procedure.Procedure,
                    new RpcProcedureOptions { Semantics = RpcCallSemantics.AtMostOnce });
            }
        }
        bool tcp = transport is "tcp" or "both";
        bool udp = transport is "udp" or "both";
        if (tcp)
        {
            server.ListenTcp(new IPEndPoint(IPAddress.Loopback, port));
        }
        if (udp)
        {
            server.ListenUdp(new IPEndPoint(IPAddress.Loopback, port));
        }
        if (unixPath is not null)
        {
            server.ListenUnix(unixPath);
        }
        if (shmPath is not null)
        {
            server.ListenSharedMemory(shmPath);
        }
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        int tcpPort = 0, udpPort = 0;
        foreach (var (kind, endPoint) in server.EndPoints)
        {
            if (endPoint is IPEndPoint ip)
            {
                if (kind == RpcTransportKind.Tcp)
                {
                    tcpPort = ip.Port;
                }
                else if (kind == RpcTransportKind.Udp)
                {
                    udpPort = ip.Port;
                }
            }
        }
        await output.WriteLineAsync($"READY {tcpPort} {udpPort}").ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(lifetime);
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
        if (exitOnStdinEof)
        {
            _ = Task.Run(async () =>
            {
                var input = Console.OpenStandardInput();
                byte[] scratch = new byte[64];
                while (await input.ReadAsync(scratch).ConfigureAwait(false) > 0)
                {
                }
                await stop.CancelAsync().ConfigureAwait(false);
            }, CancellationToken.None);
        }
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        ServerStats final = bench.TakeStats(0);
        await output.WriteLineAsync(
            $"server calls={final.Calls} cpu_s={final.CpuNanoseconds / 1e9:F3} alloc_bytes={final.AllocatedBytes} gen0={final.Gen0Collections} gen2={final.Gen2Collections}")
            .ConfigureAwait(false);
        if (bench.Telemetry is not null)
        {
            await output.WriteLineAsync(bench.PhaseWindow.ToLine()).ConfigureAwait(false);
        }
        await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }
}

/// <summary>Process-wide CPU time and resident set size.</summary>
public static class ProcessCounters
{
    /// <summary>User + system CPU time of this process.</summary>
    public static TimeSpan CpuTime()
    {
        using Process self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>VmRSS from /proc/self/status (Linux), else the working set.</summary>
    public static long ResidentSetBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return Environment.WorkingSet;
    }
}
