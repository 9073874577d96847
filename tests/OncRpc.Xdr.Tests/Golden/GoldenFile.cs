namespace OncRpc.Xdr.Tests.Golden;

/// <summary>tests/TestData/xdr/golden.txt: "name hex" lines printed by golden.c through libtirpc.</summary>
public static class GoldenFile
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "TestData", "xdr");

    public static string TextPath => Path.Combine(Directory, "golden.txt");

    private static readonly Lazy<IReadOnlyDictionary<string, byte[]>> s_vectors = new(() => Parse(File.ReadAllText(TextPath)));

    public static IReadOnlyDictionary<string, byte[]> Vectors => s_vectors.Value;

    public static IReadOnlyDictionary<string, byte[]> Parse(string text)
    {
        var vectors = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // A zero-length vector prints as "name " (nothing after the space).
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            Assert.True(space > 0, $"malformed golden line '{line}'");
            vectors.Add(line[..space], Convert.FromHexString(line[(space + 1)..].Trim()));
        }
        return vectors;
    }
}
