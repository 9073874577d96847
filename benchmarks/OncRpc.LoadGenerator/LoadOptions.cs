using System.Globalization;

namespace OncRpc.LoadGenerator;

/// <summary>What a load run does; parsed from the command line by <see cref="BenchCli"/>.</summary>
public sealed record LoadOptions
{
    /// <summary>tcp, udp or unix.</summary>
    public string Transport { get; init; } = "tcp";

    /// <summary>null, add, echo or record.</summary>
    public string Procedure { get; init; } = "null";

    /// <summary>Echo: opaque length in bytes; record: number of samples and items (bench_clnt's --size).</summary>
    public int Size { get; init; } = -1;

    /// <summary>Calls in flight per connection (closed loop: each loop issues its next call when
    /// its reply arrives).</summary>
    public int InFlight { get; init; } = 1;

    /// <summary>async: each loop awaits <see cref="Client.RpcClient.CallAsync"/>; sync: each loop is a
    /// dedicated thread calling <see cref="Client.RpcClient.Call"/>, which reads its own reply.</summary>
    public string Api { get; init; } = "async";

    /// <summary>Connections (UDP: sockets), each its own <see cref="Client.RpcClient"/>.</summary>
    public int Connections { get; init; } = 1;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>host:port of an external server (ours in serve mode, or bench_svc); null with
    /// <see cref="StartServer"/>.</summary>
    public string? Target { get; init; }

    /// <summary>Unix socket path (transport unix).</summary>
    public string? UnixPath { get; init; }

    /// <summary>Start our server as a child process (<c>serve</c> mode of the same program).</summary>
    public bool StartServer { get; init; }

    /// <summary>taskset CPU list for the child server, e.g. "1".</summary>
    public string? ServerCpus { get; init; }

    /// <summary>taskset CPU list for this (client) process, e.g. "0": the process re-executes
    /// itself under taskset so the runtime sizes itself for the pinned CPUs.</summary>
    public string? ClientCpus { get; init; }

    /// <summary>Instead of a load run: open this many connections, one NULL call each, and report
    /// the server's resident set and GC heap growth.</summary>
    public int IdleConnections { get; init; }

    public bool Json { get; init; }

    /// <summary>What listens to the runtime's telemetry in this client and in a started server:
    /// none, metrics, traces, all or phases (<see cref="BenchTelemetry"/>).</summary>
    public string Telemetry { get; init; } = "none";

    /// <summary>Print where the time of a call goes (client phases, the server's nested in the
    /// wait for the reply) beside the measured latency; needs --server, implies --telemetry phases.</summary>
    public bool Phases { get; init; }

    /// <summary>RPC-with-TLS (RFC 9289) on the measured connections (TCP and Unix), and on the started server.</summary>
    public bool Tls { get; init; }

    /// <summary>Call the bench procedures as at-most-once (the started server declares them so
    /// too), through the server's duplicate-request cache: the cost of the cache.</summary>
    public bool AtMostOnce { get; init; }

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>RPCSEC_GSS with Kerberos: none (plain AUTH_NONE), krb5, krb5i or krb5p.</summary>
    public string Gss { get; init; } = "none";

    /// <summary>The service principal for <see cref="Gss"/>.</summary>
    public string GssTarget { get; init; } = "nfs@localhost";

    public OncRpc.Auth.Gss.RpcGssService GssService => Gss switch
    {
        "krb5i" => OncRpc.Auth.Gss.RpcGssService.Integrity,
        "krb5p" => OncRpc.Auth.Gss.RpcGssService.Privacy,
        _ => OncRpc.Auth.Gss.RpcGssService.None,
    };

    /// <summary>The effective --size: bench_clnt's defaults (64 bytes for echo, 16 items for record).</summary>
    public int EffectiveSize => Size >= 0 ? Size : Procedure == "record" ? 16 : Procedure == "echo" ? 64 : 0;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"transport={Transport} gss={Gss} proc={Procedure} size={EffectiveSize} inflight={InFlight} api={Api} semantics={(AtMostOnce ? "at-most-once" : "at-least-once")} telemetry={Telemetry} connections={Connections} duration={Duration.TotalSeconds}s warmup={Warmup.TotalSeconds}s");
}
