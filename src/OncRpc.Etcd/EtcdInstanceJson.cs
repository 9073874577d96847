using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using OncRpc.Binding;
using OncRpc.Rpcbind;

namespace OncRpc.Etcd;

/// <summary>
/// The value stored under an instance's key: end points as rpcbind writes them (netid and
/// universal address, so any ONC RPC tool can read them) and the metadata.
/// <code>
/// {"id":"web-1","program":536873745,"version":1,
///  "endpoints":[{"netid":"tcp","address":"10.0.0.7.195.80"}],
///  "zone":"eu-1","weight":1,"build":"1.4.2","properties":{}}
/// </code>
/// </summary>
public static class EtcdInstanceJson
{
    /// <summary>The JSON of <paramref name="instance"/>.</summary>
    public static string Serialize(RpcInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var document = new InstanceDocument(
            instance.Id, instance.Program, instance.Version,
            [.. instance.Endpoints.Where(e => e.Transport != RpcTransportKind.SharedMemory).Select(e => new EndpointDocument(
                RpcbindNetid.For(e.Transport, e.EndPoint.AddressFamily), UniversalAddress.Format(e.EndPoint)))],
            instance.Metadata.Zone, instance.Metadata.Weight, instance.Metadata.Build,
            new Dictionary<string, string>(instance.Metadata.Properties));
        return JsonSerializer.Serialize(document, EtcdJsonContext.Default.InstanceDocument);
    }

    /// <summary>The instance in <paramref name="json"/>, or null when it is not one (a foreign
    /// or damaged value is skipped, not fatal: one bad key must not hide the others). End points
    /// of unknown netids are left out.</summary>
    public static RpcInstance? TryDeserialize(string json)
    {
        InstanceDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, EtcdJsonContext.Default.InstanceDocument);
        }
        catch (JsonException)
        {
            return null;
        }
        if (document is null || string.IsNullOrEmpty(document.Id) || document.Endpoints is null)
        {
            return null;
        }
        var endpoints = new List<RpcInstanceEndpoint>();
        foreach (EndpointDocument e in document.Endpoints)
        {
            if (RpcbindNetid.TryParse(e.Netid, out RpcTransportKind transport, out _)
                && UniversalAddress.TryParse(e.Address, e.Netid, out EndPoint endPoint))
            {
                endpoints.Add(new RpcInstanceEndpoint(transport, endPoint));
            }
        }
        return new RpcInstance(document.Id, document.Program, document.Version, endpoints, new RpcInstanceMetadata
        {
            Zone = document.Zone,
            Weight = document.Weight ?? 1,
            Build = document.Build,
            Properties = document.Properties ?? [],
        });
    }
}

internal sealed record EndpointDocument(
    [property: JsonPropertyName("netid")] string Netid,
    [property: JsonPropertyName("address")] string Address);

internal sealed record InstanceDocument(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("program")] uint Program,
    [property: JsonPropertyName("version")] uint Version,
    [property: JsonPropertyName("endpoints")] EndpointDocument[]? Endpoints,
    [property: JsonPropertyName("zone")] string? Zone,
    [property: JsonPropertyName("weight")] int? Weight,
    [property: JsonPropertyName("build")] string? Build,
    [property: JsonPropertyName("properties")] Dictionary<string, string>? Properties);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InstanceDocument))]
internal sealed partial class EtcdJsonContext : JsonSerializerContext;
