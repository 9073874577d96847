using System.Runtime.CompilerServices;

namespace OncRpc.Compiler.Tests;

/// <summary>Where the repository's test inputs live, found from this source file's path.</summary>
internal static class TestPaths
{
    public static string TestsDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(TestsDirectory(), "..", ".."));

    public static string XDirectory => Path.Combine(RepositoryRoot, "tests", "TestData", "x");

    public static string BaselineDirectory => Path.Combine(TestsDirectory(), "Baselines");

    /// <summary>The .x files whose output this project checks: baselines, builds, robustness corpus
    /// (others in TestData/x belong to other test projects; bank.x is shared with them).</summary>
    public static readonly string[] OwnXFiles = ["allconstructs.x", "rpcb_prot.x", "nfs3_prot.x", "bank.x"];

    public static string X(string name) => Path.Combine(XDirectory, name);

    /// <summary>True when a peer-dependent test must fail rather than skip (CI).</summary>
    public static bool RequirePeers => Environment.GetEnvironmentVariable("ONCRPC_REQUIRE_PEERS") == "1";
}
