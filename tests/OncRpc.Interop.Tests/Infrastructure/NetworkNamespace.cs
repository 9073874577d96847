namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>
/// Runs a shell script inside a fresh network and mount namespace (<c>unshare -n -m</c>): its
/// own loopback (brought up first) and its own port 111, and a private tmpfs on /run so a
/// Debian rpcbind started there keeps its /run/rpcbind.sock and warm-start files away from the
/// machine's. Everything inside dies with the namespace's processes; the run is bounded.
/// </summary>
public static class NetworkNamespace
{
    /// <summary>What runs before the script: loopback up, private /run with /run/rpcbind.</summary>
    public const string Prelude =
        "set -e; ip link set lo up; mount -t tmpfs tmpfs /run; mkdir -p /run/rpcbind; chmod 755 /run/rpcbind; set +e; ";

    /// <summary>Runs <paramref name="script"/> with <c>sh -c</c> inside a new namespace;
    /// <paramref name="arguments"/> become $1, $2, ... Skips (or fails, when peers are
    /// required) if namespaces are not available here.</summary>
    public static Task<ProcessResult> RunAsync(
        string script, IEnumerable<string>? arguments = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        Requirements.SkipUnlessNetworkNamespacesAvailable();
        var limit = timeout ?? TimeSpan.FromSeconds(120);
        // timeout(1) inside as well: a namespace's processes must not outlive the test even if
        // this process dies first.
        string[] args =
        [
            "-n", "-m", "--kill-child",
            "timeout", "-s", "KILL", ((int)limit.TotalSeconds + 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "sh", "-c", Prelude + script, "sh",
            .. arguments ?? [],
        ];
        return ProcessRunner.RunAsync(Requirements.FindOnPath("unshare")!, args, limit, cancellationToken: cancellationToken);
    }
}
