namespace OncRpc.Compiler.Emit;

internal sealed partial class CSharpEmitter
{
    /// <summary>A file-local helper class: generated files stay self-contained (no helper assembly
    /// beyond OncRpc.Xdr), and two generated files in one project never clash.</summary>
    private void EmitHelpers()
    {
        _w.Line("/// <summary>Equality, hashing and checks shared by the types above.</summary>");
        _w.Open("file static class " + Helpers);
        string[] lines =
        {
            "public static T[] NewArray<T>(int count) => count == 0 ? global::System.Array.Empty<T>() : new T[count];",
            "",
            "public static T[] Fill<T>(int count, global::System.Func<T> create)",
            "{",
            "    var array = new T[count];",
            "    for (int i = 0; i < array.Length; i++)",
            "    {",
            "        array[i] = create();",
            "    }",
            "    return array;",
            "}",
            "",
            "public static T NotNull<T>(T? value, string what) where T : class =>",
            "    value ?? throw new global::System.ArgumentNullException(what, what + \" is null and cannot be encoded\");",
            "",
            "public static void CheckFixedLength(int actual, int expected, string what)",
            "{",
            "    if (actual != expected)",
            "    {",
            "        throw new global::System.ArgumentException(what + \" must have exactly \" + expected.ToString(global::System.Globalization.CultureInfo.InvariantCulture) + \" elements, not \" + actual.ToString(global::System.Globalization.CultureInfo.InvariantCulture), what);",
            "    }",
            "}",
            "",
            "public static bool ValueEqual<T>(T a, T b) => global::System.Collections.Generic.EqualityComparer<T>.Default.Equals(a, b);",
            "",
            "public static int ValueHash<T>(T value) => value is null ? 0 : global::System.Collections.Generic.EqualityComparer<T>.Default.GetHashCode(value);",
            "",
            "public static bool BytesEqual(byte[]? a, byte[]? b) =>",
            "    ReferenceEquals(a, b) || (a is not null && b is not null && global::System.MemoryExtensions.SequenceEqual<byte>(a, b));",
            "",
            "public static int BytesHash(byte[]? value)",
            "{",
            "    if (value is null)",
            "    {",
            "        return 0;",
            "    }",
            "    var hash = new global::System.HashCode();",
            "    hash.AddBytes(value);",
            "    return hash.ToHashCode();",
            "}",
            "",
            "public static bool ArrayEqual<T>(T[]? a, T[]? b, global::System.Func<T, T, bool> equal)",
            "{",
            "    if (ReferenceEquals(a, b))",
            "    {",
            "        return true;",
            "    }",
            "    if (a is null || b is null || a.Length != b.Length)",
            "    {",
            "        return false;",
            "    }",
            "    for (int i = 0; i < a.Length; i++)",
            "    {",
            "        if (!equal(a[i], b[i]))",
            "        {",
            "            return false;",
            "        }",
            "    }",
            "    return true;",
            "}",
            "",
            "public static int ArrayHash<T>(T[]? array, global::System.Func<T, int> hashOf)",
            "{",
            "    if (array is null)",
            "    {",
            "        return 0;",
            "    }",
            "    var hash = new global::System.HashCode();",
            "    foreach (T item in array)",
            "    {",
            "        hash.Add(hashOf(item));",
            "    }",
            "    return hash.ToHashCode();",
            "}",
            "",
            "public static bool OptionalEqual<T>(T? a, T? b, global::System.Func<T, T, bool> equal) where T : class =>",
            "    a is null ? b is null : b is not null && equal(a, b);",
            "",
            "public static int OptionalHash<T>(T? value, global::System.Func<T, int> hashOf) where T : class =>",
            "    value is null ? 0 : hashOf(value);",
            "",
            "public static string Format<T>(T value) where T : struct =>",
            "    value is global::System.IFormattable formattable ? formattable.ToString(null, global::System.Globalization.CultureInfo.InvariantCulture) : value.ToString() ?? string.Empty;",
        };
        foreach (string line in lines)
        {
            _w.Line(line);
        }
        _w.Close();
    }
}
