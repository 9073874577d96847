using System.Diagnostics;

namespace OncRpc.Xdr.Tests.Golden;

/// <summary>Rebuilds golden.c against the installed libtirpc and checks golden.txt is still what
/// the C reference prints. Skips without gcc or libtirpc-dev unless ONCRPC_REQUIRE_PEERS=1.</summary>
public sealed class GoldenPeerTests
{
    private const string TirpcHeader = "/usr/include/tirpc/rpc/xdr.h";

    [Fact]
    public void CheckedInVectorsMatchTheCReference()
    {
        string? gcc = FindOnPath("gcc");
        string? missing = gcc is null ? "gcc is not on PATH" : !File.Exists(TirpcHeader) ? $"{TirpcHeader} is missing (install libtirpc-dev)" : null;
        if (missing is not null)
        {
            if (Environment.GetEnvironmentVariable("ONCRPC_REQUIRE_PEERS") == "1")
            {
                Assert.Fail($"ONCRPC_REQUIRE_PEERS=1 but the C reference cannot be built: {missing}");
            }
            Assert.Skip($"C reference unavailable: {missing}");
        }

        string dir = Directory.CreateTempSubdirectory("oncrpc-golden-").FullName;
        try
        {
            string exe = Path.Combine(dir, "golden");
            string source = Path.Combine(GoldenFile.Directory, "golden.c");
            (int rc, string output, string errors) = Run(gcc!, dir, "-I/usr/include/tirpc", "-o", exe, source, "-ltirpc");
            Assert.True(rc == 0, $"gcc failed ({rc}): {errors}");
            (rc, output, errors) = Run(exe, dir);
            Assert.True(rc == 0, $"golden failed ({rc}): {errors}");
            Assert.Equal(File.ReadAllText(GoldenFile.TextPath), output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static (int ExitCode, string Output, string Errors) Run(string file, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        using Process process = Process.Start(start)!;
        Task<string> errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, errors.GetAwaiter().GetResult());
    }
}
