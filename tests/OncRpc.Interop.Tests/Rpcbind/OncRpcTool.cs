using OncRpc.Interop.Tests.Infrastructure;

namespace OncRpc.Interop.Tests.Rpcbind;

/// <summary>Finds the built <c>oncrpc</c> tool (src/OncRpc.Tool/bin/*/net10.0/OncRpc.Tool.dll,
/// built by <c>dotnet test OncRpc.slnx</c> with the rest of the solution) and the dotnet host to
/// run it, so a test can run our rpcbind inside a network namespace.</summary>
internal static class OncRpcTool
{
    /// <summary>(dotnet, OncRpc.Tool.dll); skips (or fails, when peers are required) when either is missing.</summary>
    public static (string Dotnet, string Dll) Require()
    {
        string? dotnet = Requirements.FindOnPath("dotnet")
            ?? (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } root && File.Exists(Path.Combine(root, "dotnet"))
                ? Path.Combine(root, "dotnet")
                : null);
        string repository = Path.GetDirectoryName(Path.GetDirectoryName(CPeers.TestDataDirectory))!;
        string bin = Path.Combine(repository, "src", "OncRpc.Tool", "bin");
        string? dll = Directory.Exists(bin)
            ? Directory.EnumerateFiles(bin, "OncRpc.Tool.dll", SearchOption.AllDirectories)
                .Where(f => f.Contains("net10.0", StringComparison.Ordinal) && !f.Contains("/ref/", StringComparison.Ordinal))
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault()
            : null;
        if (dotnet is null || dll is null)
        {
            Requirements.SkipOrFail(dotnet is null
                ? "the dotnet host is not on PATH"
                : $"the oncrpc tool is not built under {bin} (dotnet build src/OncRpc.Tool)");
        }
        return (dotnet!, dll!);
    }

    /// <summary>Splits script output into sections that start with a line "=== name".</summary>
    public static Dictionary<string, string> Sections(string output)
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        var text = new System.Text.StringBuilder();
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith("=== ", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    sections[name] = text.ToString();
                }
                name = line[4..].Trim();
                text.Clear();
            }
            else if (name is not null)
            {
                text.AppendLine(line);
            }
        }
        if (name is not null)
        {
            sections[name] = text.ToString();
        }
        return sections;
    }

    /// <summary>The section <paramref name="name"/>, or a failure that shows the whole output.</summary>
    public static string Section(this Dictionary<string, string> sections, string name, ProcessResult result) =>
        sections.TryGetValue(name, out string? text) ? text : throw new Xunit.Sdk.XunitException($"no section '{name}' in:\n{result.Describe()}");
}
