using System.CommandLine;
using System.Net;
using System.Text.Json;
using OncRpc.Binding;
using OncRpc.Client;
using OncRpc.Etcd;
using OncRpc.Rpcbind;
using OncRpc.Xdr;

namespace OncRpc.Tool.Commands;

/// <summary>
/// <c>oncrpc binder list|watch --etcd URL</c>: the instances exported to etcd (docs/binder.md),
/// program by program, with each one's health (procedure 0 answered within a second), as a
/// table or <c>--json</c>. <c>watch</c> prints the whole set again on every change until interrupted.
/// </summary>
internal static class BinderCommand
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var command = new Command("binder", "list or watch the servers exported to the binder (etcd)");
        command.Subcommands.Add(Sub("list", "list the exported instances and their health", watch: false));
        command.Subcommands.Add(Sub("watch", "print the exported instances again on every change", watch: true));
        return command;
    }

    private static Command Sub(string name, string description, bool watch)
    {
        var etcd = new Option<string>("--etcd") { Description = "etcd cluster: http://host:2379[,http://host2:2379...]", Required = true };
        var json = new Option<bool>("--json") { Description = "one JSON array per listing instead of a table" };
        var command = new Command(name, description) { etcd, json };
        command.SetAction((parse, cancellationToken) => watch
            ? WatchAsync(parse.GetValue(etcd)!, parse.GetValue(json), Console.Out, Console.Error, cancellationToken)
            : ListAsync(parse.GetValue(etcd)!, parse.GetValue(json), Console.Out, Console.Error, cancellationToken));
        return command;
    }

    internal static async Task<int> ListAsync(string etcd, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        IReadOnlyList<RpcInstance> instances;
        try
        {
            instances = await new EtcdResolver(etcd).ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stderr.WriteLine($"error: cannot read etcd at {etcd}: {e.Message}");
            return 1;
        }
        await PrintAsync(instances, json, stdout, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    internal static async Task<int> WatchAsync(string etcd, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (IReadOnlyList<RpcInstance> instances in new EtcdResolver(etcd).WatchAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await PrintAsync(instances, json, stdout, cancellationToken).ConfigureAwait(false);
                stdout.Flush();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stderr.WriteLine($"error: watching etcd at {etcd} failed: {e.Message}");
            return 1;
        }
        return 0;
    }

    private static async Task PrintAsync(IReadOnlyList<RpcInstance> instances, bool json, TextWriter stdout, CancellationToken cancellationToken)
    {
        RpcInstance[] sorted = [.. instances.OrderBy(i => i.Program).ThenBy(i => i.Version).ThenBy(i => i.Id, StringComparer.Ordinal)];
        bool[] healthy = await Task.WhenAll(sorted.Select(i => ProbeAsync(i, cancellationToken))).ConfigureAwait(false);
        if (json)
        {
            stdout.WriteLine(Json(sorted, healthy));
            return;
        }
        string[][] rows = [["PROGRAM", "VERSION", "INSTANCE", "ENDPOINTS", "ZONE", "WEIGHT", "BUILD", "HEALTH"],
            .. sorted.Select((i, n) => new[]
            {
                ProgramText(i.Program), i.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), i.Id,
                string.Join(' ', i.Endpoints.Select(Endpoint)), i.Metadata.Zone ?? "-",
                i.Metadata.Weight.ToString(System.Globalization.CultureInfo.InvariantCulture), i.Metadata.Build ?? "-",
                healthy[n] ? "up" : "down",
            })];
        int[] widths = [.. Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length))];
        foreach (string[] row in rows)
        {
            stdout.WriteLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        }
    }

    private static string ProgramText(uint program) =>
        RpcProgramNames.NameOf(program) is { } name
            ? $"{program} ({name})"
            : program.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Endpoint(RpcInstanceEndpoint e) =>
        $"{RpcbindNetid.For(e.Transport, e.EndPoint.AddressFamily)}:{e.EndPoint}";

    private static string Json(RpcInstance[] instances, bool[] healthy)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            for (int n = 0; n < instances.Length; n++)
            {
                RpcInstance i = instances[n];
                writer.WriteStartObject();
                writer.WriteNumber("program", i.Program);
                writer.WriteNumber("version", i.Version);
                writer.WriteString("id", i.Id);
                writer.WriteStartArray("endpoints");
                foreach (RpcInstanceEndpoint e in i.Endpoints)
                {
                    writer.WriteStartObject();
                    writer.WriteString("netid", RpcbindNetid.For(e.Transport, e.EndPoint.AddressFamily));
                    writer.WriteString("address", UniversalAddress.Format(e.EndPoint));
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteString("zone", i.Metadata.Zone);
                writer.WriteNumber("weight", i.Metadata.Weight);
                writer.WriteString("build", i.Metadata.Build);
                writer.WriteBoolean("healthy", healthy[n]);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Procedure 0 on the instance's first end point, answered within a second.</summary>
    private static async Task<bool> ProbeAsync(RpcInstance instance, CancellationToken cancellationToken)
    {
        if (instance.Endpoints.Count == 0)
        {
            return false;
        }
        RpcInstanceEndpoint endpoint = instance.Endpoints[0];
        var options = new RpcClientOptions { Timeout = s_probeTimeout };
        try
        {
            await using RpcClient client = endpoint switch
            {
                { Transport: RpcTransportKind.Udp, EndPoint: IPEndPoint ip } => RpcClient.CreateUdp(ip, options),
                { Transport: RpcTransportKind.Local } => await RpcClient.ConnectUnixAsync(endpoint.EndPoint.ToString()!, options, cancellationToken).ConfigureAwait(false),
                _ => await RpcClient.ConnectTcpAsync(endpoint.EndPoint, options, cancellationToken).ConfigureAwait(false),
            };
            await client.CallAsync<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(instance.Program, instance.Version, 0), default, cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }
}
