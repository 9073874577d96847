namespace OncRpc.Testing;

/// <summary>Hex for test vectors, one helper for every test project (linked by each csproj):
/// parsing allows spaces between words, as RFC examples and golden files write them; formatting is
/// lower case, so two byte strings compare with a readable diff.</summary>
internal static class Hex
{
    public static byte[] Parse(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
