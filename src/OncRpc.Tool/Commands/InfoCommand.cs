using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using OncRpc.Client;
using OncRpc.Rpcbind;
using OncRpc.Xdr;

namespace OncRpc.Tool.Commands;

/// <summary>
/// <c>oncrpc info</c>, after rpcinfo(8): <c>-p HOST</c> (port mapper dump), <c>-s HOST</c>
/// (rpcbind dump, summarised), <c>-T tcp|udp HOST PROG [VERS]</c> (ping procedure 0),
/// <c>-m HOST</c> (rpcbind statistics), <c>-b PROG VERS</c> (broadcast), each with <c>--json</c>.
/// Programs are numbers in decimal or names from /etc/rpc (rpcbind, portmapper...).
/// Exit 0 on success, 1 when the remote end fails or does not answer, 2 on bad usage.
/// </summary>
internal static partial class InfoCommand
{
    private static readonly string[] s_v2Names = ["NULL", "SET", "UNSET", "GETPORT", "DUMP", "CALLIT"];
    private static readonly string[] s_v3Names = ["NULL", "SET", "UNSET", "GETADDR", "DUMP", "CALLIT", "TIME", "U2T", "T2U"];
    private static readonly string[] s_v4Names = [.. s_v3Names, "VERADDR", "INDRECT", "GETLIST", "GETSTAT"];

    public static Command Create()
    {
        var portmap = new Option<bool>("--portmap", "-p") { Description = "list the port mapper's registrations (version 2 DUMP)" };
        var summary = new Option<bool>("--summary", "-s") { Description = "list rpcbind's registrations (version 4/3 DUMP), summarised" };
        var stats = new Option<bool>("--stats", "-m") { Description = "show rpcbind's statistics (GETSTAT)" };
        var broadcast = new Option<bool>("--broadcast", "-b") { Description = "broadcast a call to procedure 0 of PROG VERS; list who answers" };
        var transport = new Option<string>("--transport", "-T") { Description = "ping PROG [VERS] on HOST over tcp or udp" };
        var json = new Option<bool>("--json") { Description = "machine-readable output" };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for answers", DefaultValueFactory = _ => 5 };
        var broadcastAddress = new Option<string>("--broadcast-address") { Description = "where -b sends", DefaultValueFactory = _ => "255.255.255.255" };
        var operands = new Argument<string[]>("operands") { Description = "HOST, PROG, VERS as the mode needs", Arity = new ArgumentArity(0, 3) };
        var command = new Command("info", "query rpcbind / the port mapper, like rpcinfo")
        {
            portmap, summary, stats, broadcast, transport, json, timeout, broadcastAddress, operands,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new Request(parse.GetValue(operands) ?? [], parse.GetValue(json),
                TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(timeout), 0.1, 600)), parse.GetValue(broadcastAddress)!);
            int modes = (parse.GetValue(portmap) ? 1 : 0) + (parse.GetValue(summary) ? 1 : 0) + (parse.GetValue(stats) ? 1 : 0)
                + (parse.GetValue(broadcast) ? 1 : 0) + (parse.GetValue(transport) is null ? 0 : 1);
            if (modes > 1)
            {
                Console.Error.WriteLine("error: choose one of -p, -s, -m, -b, -T");
                return Task.FromResult(2);
            }
            return RunAsync(request, parse.GetValue(portmap), parse.GetValue(summary), parse.GetValue(stats), parse.GetValue(broadcast),
                parse.GetValue(transport), Console.Out, Console.Error, cancellationToken);
        });
        return command;
    }

    internal sealed record Request(string[] Operands, bool Json, TimeSpan Timeout, string BroadcastAddress)
    {
        public string Host => Operands.Length > 0 ? Operands[0] : "127.0.0.1";

        public RpcClientOptions ClientOptions => new() { Timeout = Timeout, RetransmitInterval = TimeSpan.FromMilliseconds(Math.Min(1000, Timeout.TotalMilliseconds)) };
    }

    internal static async Task<int> RunAsync(Request request, bool portmap, bool summary, bool stats, bool broadcast, string? ping,
        TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            return (portmap, summary, stats, broadcast, ping) switch
            {
                (_, _, _, _, not null) => await PingAsync(request, ping, stdout, stderr, cancellationToken).ConfigureAwait(false),
                (_, true, _, _, _) => await SummaryAsync(request, stdout, cancellationToken).ConfigureAwait(false),
                (_, _, true, _, _) => await StatsAsync(request, stdout, cancellationToken).ConfigureAwait(false),
                (_, _, _, true, _) => await BroadcastAsync(request, stdout, stderr, cancellationToken).ConfigureAwait(false),
                _ => await PortmapAsync(request, stdout, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (RpcbindUnreachableException e)
        {
            stderr.WriteLine($"oncrpc info: nothing answers as rpcbind on {request.Host} port {RpcbindProtocol.Port} ({e.InnerException?.Message}).");
            stderr.WriteLine("  Is an rpcbind running there? Start Debian's (systemctl start rpcbind) or ours: oncrpc rpcbind");
            return 1;
        }
        catch (RpcException e)
        {
            stderr.WriteLine($"oncrpc info: {request.Host}: RPC: {e.Message}");
            return 1;
        }
        catch (FormatException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    private static async Task<int> PortmapAsync(Request request, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using RpcbindClient client = await ConnectRpcbindAsync(request, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<PortmapEntry> entries = await Rpcbind(() => client.PortmapDumpAsync(cancellationToken)).ConfigureAwait(false);
        if (request.Json)
        {
            WriteJson(stdout, w =>
            {
                w.WriteStartArray();
                foreach (PortmapEntry e in entries)
                {
                    w.WriteStartObject();
                    w.WriteNumber("program", e.Program);
                    w.WriteNumber("version", e.Version);
                    w.WriteString("protocol", ProtocolName(e.Protocol));
                    w.WriteNumber("port", e.Port);
                    WriteNameProperty(w, e.Program);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return 0;
        }
        stdout.WriteLine("   program vers proto   port  service");
        foreach (PortmapEntry e in entries)
        {
            string name = RpcProgramNames.NameOf(e.Program) is { } n ? "  " + n : "";
            stdout.WriteLine(Invariant($"{e.Program,10}{e.Version,5}{ProtocolName(e.Protocol),6}{e.Port,7}{name}"));
        }
        return 0;
    }

    private static async Task<int> SummaryAsync(Request request, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using RpcbindClient client = await ConnectRpcbindAsync(request, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<RpcbindMapping> mappings;
        try
        {
            mappings = await Rpcbind(() => client.DumpAsync(RpcbindProtocol.Version4, cancellationToken)).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Status == RpcStatus.ProgramMismatch)
        {
            mappings = await client.DumpAsync(RpcbindProtocol.Version3, cancellationToken).ConfigureAwait(false);
        }
        var rows = mappings.GroupBy(m => m.Program).Select(g => (
            Program: g.Key,
            Versions: g.Select(m => m.Version).Distinct().Order().ToArray(),
            Netids: g.Select(m => m.Netid).Distinct().ToArray(),
            Owner: g.First().Owner)).ToArray();
        if (request.Json)
        {
            WriteJson(stdout, w =>
            {
                w.WriteStartArray();
                foreach (var row in rows)
                {
                    w.WriteStartObject();
                    w.WriteNumber("program", row.Program);
                    w.WriteStartArray("versions");
                    Array.ForEach(row.Versions, v => w.WriteNumberValue(v));
                    w.WriteEndArray();
                    w.WriteStartArray("netids");
                    Array.ForEach(row.Netids, w.WriteStringValue);
                    w.WriteEndArray();
                    WriteNameProperty(w, row.Program);
                    w.WriteString("owner", row.Owner);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            return 0;
        }
        stdout.WriteLine("   program version(s) netid(s)                         service     owner");
        foreach (var row in rows)
        {
            string versions = string.Join(',', row.Versions.Select(v => v.ToString(CultureInfo.InvariantCulture)));
            string netids = string.Join(',', row.Netids);
            stdout.WriteLine(Invariant($"{row.Program,10}  {versions,-10} {netids,-32} {RpcProgramNames.NameOf(row.Program) ?? "-",-11} {row.Owner}"));
        }
        return 0;
    }

    private static async Task<int> PingAsync(Request request, string transportName, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        RpcTransportKind transport = transportName == "tcp" ? RpcTransportKind.Tcp
            : transportName == "udp" ? RpcTransportKind.Udp
            : throw new FormatException($"-T takes tcp or udp, not '{transportName}'");
        if (request.Operands.Length < 2)
        {
            throw new FormatException("-T needs HOST PROG [VERS]");
        }
        uint program = RpcProgramNames.Parse(request.Operands[1]);
        uint? version = request.Operands.Length > 2 ? ParseNumber(request.Operands[2], "version") : null;
        var results = new List<(uint Version, string? Error)>();
        await using (RpcClient client = await ConnectProgramAsync(request, program, version ?? 0, transport, cancellationToken).ConfigureAwait(false))
        {
            uint low = version ?? 0, high = version ?? 0;
            if (version is null)
            {
                // rpcinfo's trick: version 0 draws PROG_MISMATCH with the supported range.
                try
                {
                    await client.CallAsync<XdrVoid, XdrVoid>(new(program, 0, 0), default, cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException e) when (e.Status == RpcStatus.ProgramMismatch)
                {
                    (low, high) = (e.Low, e.High);
                }
            }
            for (uint v = low; v <= high && v - low < 64; v++)
            {
                try
                {
                    await client.CallAsync<XdrVoid, XdrVoid>(new(program, v, 0), default, cancellationToken).ConfigureAwait(false);
                    results.Add((v, null));
                }
                catch (RpcException e)
                {
                    results.Add((v, e.Message));
                }
            }
        }
        if (request.Json)
        {
            WriteJson(stdout, w =>
            {
                w.WriteStartArray();
                foreach ((uint v, string? error) in results)
                {
                    w.WriteStartObject();
                    w.WriteNumber("program", program);
                    w.WriteNumber("version", v);
                    w.WriteString("transport", transportName);
                    w.WriteBoolean("ready", error is null);
                    w.WriteString("error", error);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
        }
        else
        {
            foreach ((uint v, string? error) in results)
            {
                if (error is null)
                {
                    stdout.WriteLine(Invariant($"program {program} version {v} ready and waiting"));
                }
                else
                {
                    stderr.WriteLine(Invariant($"oncrpc info: RPC: {error}"));
                    stdout.WriteLine(Invariant($"program {program} version {v} is not available"));
                }
            }
        }
        return results.All(r => r.Error is null) ? 0 : 1;
    }

    private static async Task<int> StatsAsync(Request request, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using RpcbindClient client = await ConnectRpcbindAsync(request, cancellationToken).ConfigureAwait(false);
        RpcbindStatisticsByVersion stats = await Rpcbind(() => client.GetStatisticsAsync(cancellationToken)).ConfigureAwait(false);
        (uint Version, string Title, string[] Names)[] sections =
            [(2, "PORTMAP (version 2) statistics", s_v2Names), (3, "RPCBIND (version 3) statistics", s_v3Names), (4, "RPCBIND (version 4) statistics", s_v4Names)];
        if (request.Json)
        {
            WriteJson(stdout, w =>
            {
                w.WriteStartObject();
                foreach ((uint version, _, string[] names) in sections)
                {
                    RpcbindStatistics s = stats[version];
                    w.WriteStartObject(Invariant($"v{version}"));
                    w.WriteStartObject("procedures");
                    for (int p = 0; p < names.Length; p++)
                    {
                        w.WriteNumber(names[p], s.ProcedureCounts[p]);
                    }
                    w.WriteEndObject();
                    w.WriteNumber("set", s.SetCount);
                    w.WriteNumber("unset", s.UnsetCount);
                    w.WriteStartArray("lookups");
                    foreach (RpcbindAddressStat a in s.AddressLookups)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("program", a.Program);
                        w.WriteNumber("version", a.Version);
                        w.WriteString("netid", a.Netid);
                        w.WriteNumber("success", a.Success);
                        w.WriteNumber("failure", a.Failure);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteStartArray("remoteCalls");
                    foreach (RpcbindRemoteCallStat r in s.RemoteCalls)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("program", r.Program);
                        w.WriteNumber("version", r.Version);
                        w.WriteNumber("procedure", r.Procedure);
                        w.WriteString("netid", r.Netid);
                        w.WriteBoolean("indirect", r.Indirect != 0);
                        w.WriteNumber("success", r.Success);
                        w.WriteNumber("failure", r.Failure);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            });
            return 0;
        }
        foreach ((uint version, string title, string[] names) in sections)
        {
            RpcbindStatistics s = stats[version];
            stdout.WriteLine(title);
            stdout.WriteLine(string.Join('\t', names));
            stdout.WriteLine(string.Join('\t', s.ProcedureCounts.Take(names.Length).Select(c => c.ToString(CultureInfo.InvariantCulture))));
            stdout.WriteLine(Invariant($"set {s.SetCount}\tunset {s.UnsetCount}"));
            string lookup = version == 2 ? "PMAP_GETPORT" : "RPCB_GETADDR";
            stdout.WriteLine(Invariant($"{lookup} call statistics"));
            stdout.WriteLine("prog\t\tvers\tnetid\t  success\tfailure");
            foreach (RpcbindAddressStat a in s.AddressLookups)
            {
                stdout.WriteLine(Invariant($"{RpcProgramNames.NameOf(a.Program) ?? a.Program.ToString(CultureInfo.InvariantCulture)}\t{a.Version}\t{a.Netid}\t  {a.Success}\t\t{a.Failure}"));
            }
            stdout.WriteLine(Invariant($"{(version == 2 ? "PMAP_RMTCALL" : "RPCB_RMTCALL")} call statistics"));
            stdout.WriteLine("prog\t\tvers\tproc\tnetid\tindirect success failure");
            foreach (RpcbindRemoteCallStat r in s.RemoteCalls)
            {
                stdout.WriteLine(Invariant($"{r.Program}\t{r.Version}\t{r.Procedure}\t{r.Netid}\t{(r.Indirect != 0 ? "yes" : "no")}\t {r.Success}\t{r.Failure}"));
            }
            stdout.WriteLine();
        }
        return 0;
    }

    private static async Task<int> BroadcastAsync(Request request, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (request.Operands.Length != 2)
        {
            throw new FormatException("-b needs PROG VERS");
        }
        uint program = RpcProgramNames.Parse(request.Operands[0]);
        uint version = ParseNumber(request.Operands[1], "version");
        if (!IPAddress.TryParse(request.BroadcastAddress, out IPAddress? address))
        {
            throw new FormatException($"'{request.BroadcastAddress}' is not an IP address");
        }
        IReadOnlyList<RpcBroadcastReply<RpcbindRemoteCallResult>> replies = await RpcBroadcast.CallAsync<RpcbindRemoteCallArgs, RpcbindRemoteCallResult>(
            new IPEndPoint(address, RpcbindProtocol.Port), RpcbindProtocol.Descriptor(RpcbindProtocol.Version3, RpcbindProtocol.ProcCallIt),
            new RpcbindRemoteCallArgs(program, version, 0, ReadOnlyMemory<byte>.Empty), request.Timeout, cancellationToken).ConfigureAwait(false);
        if (request.Json)
        {
            WriteJson(stdout, w =>
            {
                w.WriteStartArray();
                foreach (var reply in replies)
                {
                    w.WriteStartObject();
                    w.WriteString("sender", reply.Sender.Address.ToString());
                    w.WriteString("address", reply.Result.Address);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
        }
        else
        {
            foreach (var reply in replies)
            {
                stdout.WriteLine($"{reply.Result.Address} {reply.Sender.Address}");
            }
        }
        if (replies.Count == 0)
        {
            stderr.WriteLine(Invariant($"oncrpc info: no answer to a broadcast of program {program} version {version}"));
            return 1;
        }
        return 0;
    }

    private static string ProtocolName(uint protocol) => protocol switch
    {
        RpcbindProtocol.IpProtoTcp => "tcp",
        RpcbindProtocol.IpProtoUdp => "udp",
        _ => protocol.ToString(CultureInfo.InvariantCulture),
    };

    private static uint ParseNumber(string text, string what) =>
        Call.XSpecification.TryParseNumber(text, out uint value)
            ? value
            : throw new FormatException($"{what} '{text}' is not a number (decimal or 0x hex)");

    private static void WriteNameProperty(Utf8JsonWriter writer, uint program) =>
        writer.WriteString("name", RpcProgramNames.NameOf(program));

    private static void WriteJson(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }
        output.WriteLine(Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
