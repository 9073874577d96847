namespace OncRpc.Auth.Gss;

/// <summary>The protection an RPCSEC_GSS call gets (rpc_gss_service_t, RFC 2203 §5). The numbers are the wire values.</summary>
public enum RpcGssService
{
    /// <summary>rpc_gss_svc_none: the header is signed (the verifier), arguments and results travel as they are ("krb5").</summary>
    None = 1,

    /// <summary>rpc_gss_svc_integrity: arguments and results carry a checksum over them and the sequence number ("krb5i").</summary>
    Integrity = 2,

    /// <summary>rpc_gss_svc_privacy: arguments and results are encrypted with the sequence number ("krb5p").</summary>
    Privacy = 3,
}

/// <summary>Who an RPCSEC_GSS call came from, shown to handlers as <see cref="Server.RpcCallContext.Principal"/>.</summary>
/// <param name="Name">The client's GSS name (a Kerberos principal such as <c>alice@EXAMPLE.ORG</c>).</param>
/// <param name="Service">The protection this call had.</param>
public sealed record RpcGssPrincipal(string Name, RpcGssService Service)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}
