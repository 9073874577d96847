namespace OncRpc.Auth;

/// <summary>Authentication flavors (RFC 5531 §8.2, IANA registry).</summary>
public enum AuthFlavor
{
    None = 0,
    Sys = 1,
    Short = 2,
    Dh = 3,
    RpcSecGss = 6,
    Tls = 7,
}
