using System;
using System.Collections.Generic;
using OncRpc.Compiler.Lexing;

namespace OncRpc.Compiler;

/// <summary>Options for one compilation.</summary>
public sealed class XdrCompilerOptions
{
    /// <summary>C# namespace of the output.</summary>
    public string Namespace { get; set; } = "OncRpc.Generated";

    public bool GenerateClient { get; set; } = true;

    public bool GenerateServer { get; set; } = true;

    /// <summary>Preprocessor symbols, as cpp's -D (a null or empty value means 1). Starts with
    /// <c>RPC_HDR</c>, the symbol rpcgen defines when writing the header: the C# output plays that
    /// role (it declares the types), and .x files put header-only imports under it.</summary>
    public IDictionary<string, string?> Defines { get; } = new SortedDictionary<string, string?>(StringComparer.Ordinal) { ["RPC_HDR"] = "1" };

    /// <summary>Where <c>#include</c> looks after the including file's directory, as cpp's -I.</summary>
    public IList<string> IncludeDirectories { get; } = new List<string>();

    /// <summary>Type names no .x file defines, mapped to the C# types that supply them (fully
    /// qualified; each must implement <c>IXdrSerializable&lt;T&gt;</c>): <c>nis_name</c> to
    /// <c>My.Nis.NisName</c>. Files compiled together share their entries.</summary>
    public IDictionary<string, string> ExternTypes { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Parses <c>name=Namespace.Type</c> entries separated by ',' or ';' (the MSBuild item's
    /// ExternTypes metadata; the CLI's --extern takes one per option) into <paramref name="target"/>.
    /// Returns an error message, or null.</summary>
    public static string? AddExternTypes(string? value, IDictionary<string, string> target)
    {
        foreach (string entry in (value ?? string.Empty).Split(new[] { ',', ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = entry.IndexOf('=');
            string? error = equals < 0
                ? "ExternTypes entries are xname=Namespace.Type, not '" + entry.Trim() + "'"
                : AddExternType(entry.Substring(0, equals).Trim(), entry.Substring(equals + 1).Trim(), target);
            if (error is not null)
            {
                return error;
            }
        }
        return null;
    }

    /// <summary>Adds one mapping after checking it: a .x identifier to a dotted C# type name
    /// (<c>global::</c> allowed), not already mapped elsewhere. Returns an error message, or null.</summary>
    internal static string? AddExternType(string name, string type, IDictionary<string, string> target)
    {
        if (type.StartsWith("global::", StringComparison.Ordinal))
        {
            type = type.Substring("global::".Length);
        }
        if (!IsIdentifier(name) || type.Length == 0 || !Array.TrueForAll(type.Split('.'), IsIdentifier))
        {
            return "ExternTypes entries are xname=Namespace.Type, not '" + name + "=" + type + "'";
        }
        if (target.TryGetValue(name, out string? other) && other != type)
        {
            return "ExternTypes maps '" + name + "' to both '" + other + "' and '" + type + "'";
        }
        target[name] = type;
        return null;
    }

    internal static bool IsIdentifier(string text)
    {
        bool valid = text.Length > 0 && Lexer.IsIdentifierStart(text[0]) && Emit.Naming.Escape(text) == text;
        for (int i = 1; valid && i < text.Length; i++)
        {
            valid = Lexer.IsIdentifierPart(text[i]);
        }
        return valid;
    }

    /// <summary>Reads included files; in-memory by default (nothing resolves).</summary>
    public SourceResolver SourceResolver { get; set; } = InMemorySourceResolver.Empty;

    /// <summary>Parses a services list shared by the CLI (<c>--services client,server</c>) and the
    /// MSBuild item (<c>Services="Client;Server"</c>): client, server, both or none, any case,
    /// separated by ',', ';' or spaces. False for an unknown word.</summary>
    public static bool TryParseServices(string? value, out bool client, out bool server)
    {
        client = server = false;
        foreach (string part in (value ?? string.Empty).Split(new[] { ',', ';', ' ' }, StringSplitOptions.RemoveEmptyEntries))
        {
            switch (part.Trim().ToLowerInvariant())
            {
                case "client":
                    client = true;
                    break;
                case "server":
                    server = true;
                    break;
                case "both":
                    client = server = true;
                    break;
                case "none":
                    break;
                default:
                    return false;
            }
        }
        return true;
    }
}
