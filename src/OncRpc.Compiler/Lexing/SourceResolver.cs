using System;
using System.Collections.Generic;

namespace OncRpc.Compiler.Lexing;

/// <summary>
/// Finds the text of an <c>#include</c>d file. The command line reads the file system; the source
/// generator may only see the compilation's additional files, so it passes those in memory.
/// </summary>
public abstract class SourceResolver
{
    /// <summary>Looks up <paramref name="name"/> (as written in the directive) relative to the
    /// directory of <paramref name="includingFile"/>, then in each of
    /// <paramref name="includeDirectories"/>. Returns false when not found.</summary>
    public bool TryResolve(string includingFile, string name, IReadOnlyList<string> includeDirectories, out string path, out string text)
    {
        foreach (string candidate in Candidates(includingFile, name, includeDirectories))
        {
            if (TryRead(candidate, out string? found) && found is not null)
            {
                path = candidate;
                text = found;
                return true;
            }
        }
        path = string.Empty;
        text = string.Empty;
        return false;
    }

    /// <summary>Reads one normalized path; false when there is no such file.</summary>
    protected abstract bool TryRead(string path, out string? text);

    private static IEnumerable<string> Candidates(string includingFile, string name, IReadOnlyList<string> includeDirectories)
    {
        string normalizedName = name.Replace('\\', '/');
        if (normalizedName.StartsWith("/", StringComparison.Ordinal) || (normalizedName.Length > 1 && normalizedName[1] == ':'))
        {
            yield return Normalize(normalizedName);
            yield break;
        }
        yield return Normalize(Combine(DirectoryOf(includingFile), normalizedName));
        foreach (string directory in includeDirectories)
        {
            yield return Normalize(Combine(directory, normalizedName));
        }
    }

    internal static string DirectoryOf(string path)
    {
        string p = path.Replace('\\', '/');
        int slash = p.LastIndexOf('/');
        return slash < 0 ? string.Empty : p.Substring(0, slash);
    }

    private static string Combine(string directory, string name) =>
        directory.Length == 0 ? name : directory.TrimEnd('/', '\\') + "/" + name;

    /// <summary>Forward slashes, no "." or "x/.." segments: the key both resolvers and the include
    /// cycle guard compare with.</summary>
    public static string Normalize(string path)
    {
        string p = path.Replace('\\', '/');
        bool rooted = p.StartsWith("/", StringComparison.Ordinal);
        var parts = new List<string>();
        foreach (string part in p.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == ".." && parts.Count > 0 && parts[parts.Count - 1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        string joined = string.Join("/", parts);
        return rooted ? "/" + joined : joined;
    }
}

/// <summary>Resolves includes against a fixed set of files held in memory (tests, the generator).</summary>
public sealed class InMemorySourceResolver : SourceResolver
{
    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);

    public InMemorySourceResolver(IEnumerable<KeyValuePair<string, string>> files)
    {
        foreach (KeyValuePair<string, string> file in files)
        {
            _files[Normalize(file.Key)] = file.Value;
        }
    }

    /// <summary>Resolves nothing: every #include is reported as not found.</summary>
    public static InMemorySourceResolver Empty { get; } = new(Array.Empty<KeyValuePair<string, string>>());

    protected override bool TryRead(string path, out string? text) => _files.TryGetValue(path, out text);
}
