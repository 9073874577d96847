using System.Globalization;

namespace OncRpc.Etcd;

/// <summary>
/// The key layout (docs/binder.md): <c>/oncrpc/&lt;program&gt;/&lt;version&gt;/&lt;instance&gt;</c>,
/// numbers in decimal, the value one instance as JSON (<see cref="EtcdInstanceJson"/>). One
/// prefix per (program, version), so a client watches exactly what it imports and
/// <c>oncrpc binder list</c> reads everything under <c>/oncrpc/</c>.
/// </summary>
public static class EtcdKeys
{
    /// <summary>The root of every key the binder writes.</summary>
    public const string Root = "/oncrpc/";

    /// <summary>The prefix of every instance of (program, version), trailing slash included.</summary>
    public static string Prefix(uint program, uint version) =>
        string.Create(CultureInfo.InvariantCulture, $"{Root}{program}/{version}/");

    /// <summary>The key of one instance.</summary>
    public static string For(uint program, uint version, string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        if (instanceId.Contains('/'))
        {
            throw new ArgumentException("an instance id must not contain '/'", nameof(instanceId));
        }
        return Prefix(program, version) + instanceId;
    }
}
