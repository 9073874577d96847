namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>
/// Decides whether an interop test can run here. A missing tool skips the test with a message
/// naming the Debian package to install, except when <c>ONCRPC_REQUIRE_PEERS=1</c> (CI sets it):
/// then it fails, so a CI machine that lost a package cannot pass by skipping.
/// </summary>
public static class Requirements
{
    public const string RequirePeersVariable = "ONCRPC_REQUIRE_PEERS";

    public const string TirpcHeader = "/usr/include/tirpc/rpc/rpc.h";

    private static readonly Lazy<string?> s_missingPeerTools = new(FindMissingPeerTools);
    private static readonly Lazy<string?> s_missingRpcbind = new(FindMissingRpcbind);
    private static readonly Lazy<string?> s_missingNetns = new(FindMissingNetns);

    /// <summary>True when <c>ONCRPC_REQUIRE_PEERS=1</c>: missing peers fail instead of skipping.</summary>
    public static bool PeersRequired => Environment.GetEnvironmentVariable(RequirePeersVariable) == "1";

    /// <summary>rpcgen, gcc, make and the libtirpc headers, to build the C peers.</summary>
    public static void SkipUnlessPeerToolsAvailable() => SkipOrFailIf(s_missingPeerTools.Value);

    /// <summary>Debian's rpcbind and rpcinfo.</summary>
    public static void SkipUnlessRpcbindAvailable() => SkipOrFailIf(s_missingRpcbind.Value);

    /// <summary>Private network namespaces (<c>unshare -n</c>, root, <c>ip</c>).</summary>
    public static void SkipUnlessNetworkNamespacesAvailable() => SkipOrFailIf(s_missingNetns.Value);

    /// <summary>Skips with <paramref name="message"/>, or fails with it when peers are required.</summary>
    public static void SkipOrFail(string message)
    {
        if (PeersRequired)
        {
            Assert.Fail($"{message} ({RequirePeersVariable}=1, so this fails instead of skipping)");
        }
        Assert.Skip($"{message} (set {RequirePeersVariable}=1 to make this a failure)");
    }

    private static void SkipOrFailIf(string? missing)
    {
        if (missing is not null)
        {
            SkipOrFail(missing);
        }
    }

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        // Debian keeps rpcbind in /usr/sbin, which a non-login PATH may lack.
        foreach (var dir in path.Split(Path.PathSeparator).Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]))
        {
            if (dir.Length == 0)
            {
                continue;
            }
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static string? FindMissingPeerTools()
    {
        var missing = new List<string>();
        if (FindOnPath("rpcgen") is null)
        {
            missing.Add("rpcgen (Debian package rpcsvc-proto)");
        }
        if (FindOnPath("gcc") is null)
        {
            missing.Add("gcc (Debian package gcc)");
        }
        if (FindOnPath("make") is null)
        {
            missing.Add("make (Debian package make)");
        }
        if (!File.Exists(TirpcHeader))
        {
            missing.Add($"{TirpcHeader} (Debian package libtirpc-dev)");
        }
        return missing.Count == 0
            ? null
            : "C reference peers cannot be built, missing: " + string.Join(", ", missing);
    }

    private static string? FindMissingRpcbind()
    {
        var missing = new List<string>();
        if (FindOnPath("rpcbind") is null)
        {
            missing.Add("rpcbind");
        }
        if (FindOnPath("rpcinfo") is null)
        {
            missing.Add("rpcinfo");
        }
        return missing.Count == 0
            ? null
            : "Debian rpcbind is not installed, missing: " + string.Join(", ", missing) + " (Debian package rpcbind)";
    }

    private static string? FindMissingNetns()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }
        if (FindOnPath("unshare") is null || FindOnPath("ip") is null)
        {
            return "network namespaces need unshare (util-linux) and ip (Debian package iproute2)";
        }
        // Root alone is not enough inside some containers: try one (synchronously: this runs
        // inside a Lazy, once per test run).
        var psi = new System.Diagnostics.ProcessStartInfo(FindOnPath("unshare")!, ["-n", "-m", "true"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var probe = System.Diagnostics.Process.Start(psi);
        if (probe is null)
        {
            return "cannot start unshare";
        }
        if (!probe.WaitForExit(10_000))
        {
            ProcessRunner.KillTree(probe);
            return "unshare -n -m true did not finish in 10 s";
        }
        var error = probe.StandardError.ReadToEnd().Trim();
        return probe.ExitCode == 0
            ? null
            : $"cannot create a network namespace (unshare -n -m: exit {probe.ExitCode}: {error}); run as root";
    }
}
