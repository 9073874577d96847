namespace OncRpc.Binding;

/// <summary>
/// A client-side allow/deny list over instances: an instance is used when it matches at least
/// one allow rule (or there is none) and no deny rule. Rules match by host, zone or metadata.
/// </summary>
public sealed class RpcInstanceFilter
{
    private readonly List<Func<RpcInstance, bool>> _allow = [];
    private readonly List<Func<RpcInstance, bool>> _deny = [];

    /// <summary>Uses only instances matching <paramref name="rule"/> (or another allow rule).</summary>
    public RpcInstanceFilter Allow(Func<RpcInstance, bool> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        _allow.Add(rule);
        return this;
    }

    /// <summary>Never uses instances matching <paramref name="rule"/>.</summary>
    public RpcInstanceFilter Deny(Func<RpcInstance, bool> rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        _deny.Add(rule);
        return this;
    }

    /// <summary>Matches instances whose host (first IP or DNS end point) is one of <paramref name="hosts"/>.</summary>
    public static Func<RpcInstance, bool> Host(params string[] hosts) =>
        i => i.Host is { } host && hosts.Contains(host, StringComparer.OrdinalIgnoreCase);

    /// <summary>Matches instances in one of <paramref name="zones"/>.</summary>
    public static Func<RpcInstance, bool> Zone(params string[] zones) =>
        i => i.Metadata.Zone is { } zone && zones.Contains(zone, StringComparer.Ordinal);

    /// <summary>Matches instances whose property <paramref name="key"/> is <paramref name="value"/>
    /// ("build" matches <see cref="RpcInstanceMetadata.Build"/> too).</summary>
    public static Func<RpcInstance, bool> Metadata(string key, string value) =>
        i => (i.Metadata.Properties.TryGetValue(key, out string? v) && v == value)
            || (key == "build" && i.Metadata.Build == value);

    /// <summary>True when <paramref name="instance"/> may be used.</summary>
    public bool Permits(RpcInstance instance) =>
        (_allow.Count == 0 || _allow.Exists(rule => rule(instance))) && !_deny.Exists(rule => rule(instance));
}
