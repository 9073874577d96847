using System.Runtime.CompilerServices;
using OncRpc.FuzzTargets;

namespace OncRpc.Fuzz;

/// <summary>
/// The coverage-guided campaign's inputs, replayed in-process without afl: every seed in
/// fuzz/corpus/TARGET/ and every finding in fuzz/findings/TARGET/ (each a crash, hang or property
/// violation found by fuzz/run-campaign.sh, kept after its fix) runs through its target, which must
/// return normally. So `dotnet test` guards each fixed finding from coming back.
/// </summary>
public sealed class CorpusReplayTests
{
    private static string FuzzDirectory([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "fuzz"));

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (string kind in (string[])["corpus", "findings"])
        {
            string root = Path.Combine(FuzzDirectory(), kind);
            if (!Directory.Exists(root))
            {
                continue;
            }
            foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(Path.GetDirectoryName(file)!), Path.GetRelativePath(FuzzDirectory(), file));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Input_runs_through_its_target(string target, string file)
    {
        FuzzTarget fuzzTarget = Targets.Find(target) ?? throw new InvalidOperationException($"{file}: no target named '{target}'");
        fuzzTarget.Run(File.ReadAllBytes(Path.Combine(FuzzDirectory(), file)));
    }

    [Fact]
    public void Every_target_has_seeds()
    {
        foreach (FuzzTarget target in Targets.All)
        {
            string seeds = Path.Combine(FuzzDirectory(), "corpus", target.Name);
            Assert.True(Directory.Exists(seeds) && Directory.EnumerateFiles(seeds).Any(), $"no seeds for {target.Name}");
        }
    }

    /// <summary>The persisted-log seeds reach the loader: the server's own log loads both its
    /// entries (a seed cut off by a CRC would leave the drc-log target fuzzing only the checksum).</summary>
    [Theory]
    [InlineData("two-entries", 2)]
    [InlineData("two-entries-crc-fixed", 2)]
    [InlineData("torn", 1)]
    public void Drc_log_seeds_load(string seed, long entries)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"oncrpc-drc-seed-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            byte[] input = File.ReadAllBytes(Path.Combine(FuzzDirectory(), "corpus", "drc-log", seed));
            File.WriteAllBytes(Path.Combine(directory, "duplicate-requests.log"), input[1..]);
            var options = new OncRpc.Server.DuplicateRequestCacheOptions { PersistenceDirectory = directory };
            using var cache = new OncRpc.Server.Internal.DuplicateRequests.DuplicateRequestCache(
                options, new Targets.FixedTime(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            Assert.Equal(entries, cache.Statistics.Loaded);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The committed seeds are what the seed writer makes today (a protocol or encoder
    /// change that alters them shows here; rewrite with `OncRpc.FuzzTargets --make-seeds fuzz/corpus`).</summary>
    [Fact]
    public void Seeds_are_current()
    {
        string fresh = Path.Combine(Path.GetTempPath(), $"oncrpc-seeds-{Guid.NewGuid():N}");
        try
        {
            Seeds.Write(fresh);
            foreach (string file in Directory.EnumerateFiles(fresh, "*", SearchOption.AllDirectories))
            {
                string committed = Path.Combine(FuzzDirectory(), "corpus", Path.GetRelativePath(fresh, file));
                Assert.True(File.Exists(committed), $"{committed} is missing");
                Assert.Equal(Convert.ToHexString(File.ReadAllBytes(file)), Convert.ToHexString(File.ReadAllBytes(committed)));
            }
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }
}
