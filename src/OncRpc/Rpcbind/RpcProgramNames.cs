using System.Globalization;

namespace OncRpc.Rpcbind;

/// <summary>Program names as rpcinfo knows them: /etc/rpc (name and aliases), with rpcbind's own
/// names (rpcbind, portmapper, portmap, sunrpc) always known.</summary>
public static class RpcProgramNames
{
    private static readonly Lazy<(Dictionary<string, uint> ByName, Dictionary<uint, string> ByNumber)> s_table = new(() => Load("/etc/rpc"));

    /// <summary>The name of <paramref name="program"/>, or null.</summary>
    public static string? NameOf(uint program) => s_table.Value.ByNumber.GetValueOrDefault(program);

    /// <summary>A program number in decimal (as rpcinfo takes it) or hex with 0x (as .x files and
    /// RFCs write it), or a known name; <see cref="FormatException"/> otherwise.</summary>
    public static uint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        return hex
            ? (uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint number) ? number
                : throw new FormatException($"'{text}' is not a hex program number"))
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number) ? number
            : s_table.Value.ByName.TryGetValue(text, out number) ? number
            : throw new FormatException($"unknown program '{text}' (give a number, decimal or 0x hex, or a name from /etc/rpc)");
    }

    internal static (Dictionary<string, uint>, Dictionary<uint, string>) Load(string path)
    {
        var byName = new Dictionary<string, uint>(StringComparer.Ordinal)
        {
            ["rpcbind"] = RpcbindProtocol.Program,
            ["portmapper"] = RpcbindProtocol.Program,
            ["portmap"] = RpcbindProtocol.Program,
            ["sunrpc"] = RpcbindProtocol.Program,
        };
        var byNumber = new Dictionary<uint, string> { [RpcbindProtocol.Program] = "portmapper" };
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                string[] fields = line.Split('#')[0].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length >= 2 && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint number))
                {
                    byNumber.TryAdd(number, fields[0]);
                    foreach (string name in fields.Where((_, i) => i != 1))
                    {
                        byName.TryAdd(name, number);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /etc/rpc: numbers only, and rpcbind's names.
        }
        return (byName, byNumber);
    }
}
