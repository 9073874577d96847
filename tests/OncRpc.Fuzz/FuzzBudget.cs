using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace OncRpc.Fuzz;

/// <summary>A fuzzer run as a test. Its time comes out of the shared budget: every method with
/// this attribute counts, so fuzzers added in other files share the total automatically.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FuzzFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
    : FactAttribute(sourceFilePath, sourceLineNumber);

/// <summary>
/// ONCRPC_FUZZ_SECONDS is the TOTAL fuzz time (default 2 s locally; CI sets it), divided evenly
/// between the fuzzers. ONCRPC_FUZZ_SEED overrides the base seed (default fixed, so runs repeat).
/// </summary>
public static class FuzzBudget
{
    public const double DefaultTotalSeconds = 2;
    public const ulong DefaultSeed = 0x4506_5531_0001UL;

    public static double TotalSeconds =>
        double.TryParse(Environment.GetEnvironmentVariable("ONCRPC_FUZZ_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s >= 0
            ? s
            : DefaultTotalSeconds;

    public static ulong BaseSeed =>
        ulong.TryParse(Environment.GetEnvironmentVariable("ONCRPC_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong s)
            ? s
            : DefaultSeed;

    private static readonly Lazy<int> s_fuzzerCount = new(() => typeof(FuzzBudget).Assembly.GetTypes()
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static))
        .Count(m => m.GetCustomAttribute<FuzzFactAttribute>() is not null));

    /// <summary>Number of fuzzers sharing the budget.</summary>
    public static int FuzzerCount => Math.Max(1, s_fuzzerCount.Value);

    /// <summary>This fuzzer's share of the total.</summary>
    public static TimeSpan PerFuzzer => TimeSpan.FromSeconds(TotalSeconds / FuzzerCount);
}
