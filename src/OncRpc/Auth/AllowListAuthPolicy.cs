namespace OncRpc.Auth;

/// <summary>
/// Allows calls whose AUTH_SYS identity (sent in full or through an AUTH_SHORT handle) matches
/// every non-empty list: the uid is listed, the gid or one supplementary gid is listed, the
/// machine name is listed (ordinal comparison). An empty list does not restrict. AUTH_NONE calls
/// are denied unless <see cref="AllowAuthNone"/>, and the NULL procedure (0) is always allowed so
/// clients can ping. Denials carry <see cref="DenyStatus"/>, AUTH_TOOWEAK by default
/// (RFC 5531 §9: "rejected for security reasons"): the credentials were well formed, the server's
/// policy refuses them.
/// </summary>
public sealed class AllowListAuthPolicy : AuthPolicy
{
    private readonly HashSet<uint> _uids;
    private readonly HashSet<uint> _gids;
    private readonly HashSet<string> _machineNames;

    public AllowListAuthPolicy(
        IEnumerable<uint>? uids = null,
        IEnumerable<uint>? gids = null,
        IEnumerable<string>? machineNames = null)
    {
        _uids = uids is null ? [] : [.. uids];
        _gids = gids is null ? [] : [.. gids];
        _machineNames = machineNames is null ? new HashSet<string>(StringComparer.Ordinal) : new HashSet<string>(machineNames, StringComparer.Ordinal);
    }

    /// <summary>Allow AUTH_NONE calls (no identity). Default false.</summary>
    public bool AllowAuthNone { get; init; }

    /// <summary>The auth_stat of a denial; AUTH_TOOWEAK by default, AUTH_BADCRED is the other
    /// common choice.</summary>
    public AuthStat DenyStatus { get; init; } = AuthStat.TooWeak;

    /// <summary>Mutual TLS (RFC 9289): when not empty, a call must come over TLS with a client
    /// certificate whose subject (e.g. "CN=backup-agent") is listed; such a call needs no AUTH_SYS
    /// identity (the certificate is a proof, AUTH_SYS only a claim), and one it carries is still
    /// checked against the lists above.</summary>
    public IReadOnlyCollection<string> CertificateSubjects { get; init; } = [];

    /// <inheritdoc />
    public override AuthStat Authorize(in AuthRequest request)
    {
        if (request.Procedure == 0)
        {
            return AuthStat.Ok;
        }
        if (CertificateSubjects.Count > 0)
        {
            if (request.ClientCertificate is not { } certificate || !CertificateSubjects.Contains(certificate.Subject, StringComparer.Ordinal))
            {
                return DenyStatus;
            }
            if (request.UnixCredential is null)
            {
                return AuthStat.Ok;
            }
        }
        AuthSysParameters? identity = request.UnixCredential;
        if (identity is null)
        {
            return AllowAuthNone && request.Credential.Flavor == AuthFlavor.None ? AuthStat.Ok : DenyStatus;
        }
        if (_uids.Count > 0 && !_uids.Contains(identity.Uid))
        {
            return DenyStatus;
        }
        if (_gids.Count > 0 && !HasListedGroup(identity))
        {
            return DenyStatus;
        }
        if (_machineNames.Count > 0 && !_machineNames.Contains(identity.MachineName))
        {
            return DenyStatus;
        }
        return AuthStat.Ok;
    }

    private bool HasListedGroup(AuthSysParameters identity)
    {
        if (_gids.Contains(identity.Gid))
        {
            return true;
        }
        IReadOnlyList<uint> gids = identity.Gids;
        for (int i = 0; i < gids.Count; i++)
        {
            if (_gids.Contains(gids[i]))
            {
                return true;
            }
        }
        return false;
    }
}
