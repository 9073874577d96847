using System.Net;

namespace OncRpc.Binding;

/// <summary>One address an instance answers on, for one transport.</summary>
public sealed record RpcInstanceEndpoint(RpcTransportKind Transport, EndPoint EndPoint);

/// <summary>
/// One running server of one (program, version): where it answers, per transport, and what
/// clients may select it by. The unit the binder exports, stores and imports (docs/binder.md).
/// </summary>
public sealed record RpcInstance(
    string Id,
    uint Program,
    uint Version,
    IReadOnlyList<RpcInstanceEndpoint> Endpoints,
    RpcInstanceMetadata Metadata)
{
    /// <summary>The first end point of <paramref name="transport"/>, or null when the instance
    /// does not serve it.</summary>
    public EndPoint? EndPointFor(RpcTransportKind transport)
    {
        foreach (RpcInstanceEndpoint endpoint in Endpoints)
        {
            if (endpoint.Transport == transport)
            {
                return endpoint.EndPoint;
            }
        }
        return null;
    }

    /// <summary>The host of the first IP end point (what host filters match), or null.</summary>
    public string? Host
    {
        get
        {
            foreach (RpcInstanceEndpoint endpoint in Endpoints)
            {
                switch (endpoint.EndPoint)
                {
                    case IPEndPoint ip: return ip.Address.ToString();
                    case DnsEndPoint dns: return dns.Host;
                }
            }
            return null;
        }
    }
}
