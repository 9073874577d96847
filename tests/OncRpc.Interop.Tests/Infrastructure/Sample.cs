namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>Finds a built sample (samples/NAME/bin/*/net10.0/NAME.dll, built with the solution)
/// or benchmark (<c>folder</c> "benchmarks") and the dotnet host to run it.</summary>
internal static class Sample
{
    /// <summary>(dotnet, NAME.dll); skips (or fails, when peers are required) when either is missing.</summary>
    public static (string Dotnet, string Dll) Require(string name, string folder = "samples")
    {
        string? dotnet = Requirements.FindOnPath("dotnet");
        string repository = Path.GetDirectoryName(Path.GetDirectoryName(CPeers.TestDataDirectory))!;
        string bin = Path.Combine(repository, folder, name, "bin");
        string? dll = Directory.Exists(bin)
            ? Directory.EnumerateFiles(bin, name + ".dll", SearchOption.AllDirectories)
                .Where(f => f.Contains("net10.0", StringComparison.Ordinal))
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault()
            : null;
        if (dotnet is null || dll is null)
        {
            Requirements.SkipOrFail(dotnet is null ? "the dotnet host is not on PATH" : $"{folder}/{name} is not built under {bin}");
        }
        return (dotnet!, dll!);
    }
}
