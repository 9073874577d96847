using System;
using System.Collections.Generic;
using System.Text;

namespace OncRpc.Compiler.Emit;

/// <summary>
/// Turns C-style .x names into idiomatic C#: words split at '_', at a lower-to-upper change and
/// after digits, each word capitalized (LOG_PROG -> LogProg, nfs_fh3 -> NfsFh3,
/// READ3resok -> Read3Resok). Deterministic and culture-independent.
/// </summary>
internal static class Naming
{
    public static string Pascal(string name)
    {
        var result = new StringBuilder(name.Length);
        foreach (string word in Words(name))
        {
            result.Append(char.ToUpperInvariant(word[0]));
            for (int i = 1; i < word.Length; i++)
            {
                result.Append(char.ToLowerInvariant(word[i]));
            }
        }
        if (result.Length == 0)
        {
            return "X";
        }
        if (char.IsDigit(result[0]))
        {
            result.Insert(0, 'X');
        }
        return result.ToString();
    }

    public static string Camel(string name)
    {
        string pascal = Pascal(name);
        int upper = 0;
        while (upper < pascal.Length && char.IsUpper(pascal[upper]))
        {
            upper++;
        }
        return char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
    }

    private static IEnumerable<string> Words(string name)
    {
        var word = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (c == '_' || !(char.IsLetterOrDigit(c) && c < 128))
            {
                if (word.Length > 0)
                {
                    yield return word.ToString();
                    word.Clear();
                }
                continue;
            }
            if (word.Length > 0)
            {
                char previous = word[word.Length - 1];
                bool boundary = (char.IsLower(previous) && char.IsUpper(c)) || (char.IsDigit(previous) && char.IsLetter(c));
                if (boundary)
                {
                    yield return word.ToString();
                    word.Clear();
                }
            }
            word.Append(c);
        }
        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    private static readonly HashSet<string> s_keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>Prefixes '@' to C# keywords (parameter names are camelCase, so they can be one).</summary>
    public static string Escape(string identifier) => s_keywords.Contains(identifier) ? "@" + identifier : identifier;

    public static string Literal(string text)
    {
        var result = new StringBuilder("\"");
        foreach (char c in text)
        {
            if (c == '"' || c == '\\')
            {
                result.Append('\\');
            }
            result.Append(c);
        }
        return result.Append('"').ToString();
    }
}

/// <summary>Hands out unique names in one C# scope: the first claimant keeps the name, later ones
/// get 2, 3, ... appended, in definition order, so the result is deterministic.</summary>
internal sealed class NameScope
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public NameScope(params string[] reserved)
    {
        foreach (string name in reserved)
        {
            _taken.Add(name);
        }
    }

    public NameScope(NameScope parent)
    {
        _taken.UnionWith(parent._taken);
    }

    public bool IsTaken(string name) => _taken.Contains(name);

    public string Claim(string preferred)
    {
        string name = preferred;
        for (int i = 2; !_taken.Add(name); i++)
        {
            name = preferred + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return name;
    }

    public void Reserve(string name) => _taken.Add(name);
}
