using System.ComponentModel;
using System.Globalization;

namespace OncRpc.Xdr;

/// <summary>
/// Checks, equality and hashing used by code that the OncRpc .x compiler generates. One copy here
/// instead of one per generated file; generated types already depend on this assembly alone.
/// Not meant to be called by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class XdrGeneratedCode
{
    /// <summary>A new array, or the shared empty one.</summary>
    public static T[] NewArray<T>(int count) => count == 0 ? [] : new T[count];

    /// <summary>A fixed-length array of values from <paramref name="create"/>.</summary>
    public static T[] Fill<T>(int count, Func<T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        var array = new T[count];
        for (int i = 0; i < array.Length; i++)
        {
            array[i] = create();
        }
        return array;
    }

    /// <summary>A value about to be encoded: XDR has no null outside optional-data.</summary>
    public static T NotNull<T>(T? value, string what) where T : class =>
        value ?? throw new ArgumentNullException(what, what + " is null and cannot be encoded");

    /// <summary>A fixed-length array or opaque about to be encoded has exactly its declared length.</summary>
    public static void CheckFixedLength(int actual, int expected, string what)
    {
        if (actual != expected)
        {
            throw new ArgumentException(
                what + " must have exactly " + expected.ToString(CultureInfo.InvariantCulture) + " elements, not "
                + actual.ToString(CultureInfo.InvariantCulture), what);
        }
    }

    public static bool ValueEqual<T>(T a, T b) => EqualityComparer<T>.Default.Equals(a, b);

    public static int ValueHash<T>(T value) => value is null ? 0 : EqualityComparer<T>.Default.GetHashCode(value);

    public static bool BytesEqual(byte[]? a, byte[]? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.AsSpan().SequenceEqual(b));

    public static int BytesHash(byte[]? value)
    {
        if (value is null)
        {
            return 0;
        }
        var hash = new HashCode();
        hash.AddBytes(value);
        return hash.ToHashCode();
    }

    /// <summary>Element-wise equality of two arrays.</summary>
    public static bool ArrayEqual<T>(T[]? a, T[]? b, Func<T, T, bool> equal)
    {
        ArgumentNullException.ThrowIfNull(equal);
        if (ReferenceEquals(a, b))
        {
            return true;
        }
        if (a is null || b is null || a.Length != b.Length)
        {
            return false;
        }
        for (int i = 0; i < a.Length; i++)
        {
            if (!equal(a[i], b[i]))
            {
                return false;
            }
        }
        return true;
    }

    public static int ArrayHash<T>(T[]? array, Func<T, int> hashOf)
    {
        ArgumentNullException.ThrowIfNull(hashOf);
        if (array is null)
        {
            return 0;
        }
        var hash = new HashCode();
        foreach (T item in array)
        {
            hash.Add(hashOf(item));
        }
        return hash.ToHashCode();
    }

    public static bool OptionalEqual<T>(T? a, T? b, Func<T, T, bool> equal) where T : class
    {
        ArgumentNullException.ThrowIfNull(equal);
        return a is null ? b is null : b is not null && equal(a, b);
    }

    public static int OptionalHash<T>(T? value, Func<T, int> hashOf) where T : class
    {
        ArgumentNullException.ThrowIfNull(hashOf);
        return value is null ? 0 : hashOf(value);
    }

    /// <summary>The error for an enum value outside the declared set, at the offset of the value
    /// just read (RFC 4506 §4.3: only declared values are valid); generated code writes
    /// <c>throw XdrGeneratedCode.UndeclaredEnum(in reader, ...)</c> after <see cref="XdrReader.ReadEnum"/>.</summary>
    public static XdrException UndeclaredEnum(in XdrReader reader, string enumName, int value) =>
        new(reader.Position - 4, $"{value} is not a declared value of enum {enumName}");

    /// <summary>Decodes a type the .x compiler knows only by name (an ExternTypes entry); the
    /// constraint makes a type that cannot be an XDR value a compile error in the generated code.</summary>
    public static T Read<T>(ref XdrReader reader) where T : IXdrSerializable<T> => T.ReadFrom(ref reader);

    /// <summary>Encodes a type the .x compiler knows only by name, class or struct alike.</summary>
    public static void Write<T>(ref XdrWriter writer, T value, string what) where T : IXdrSerializable<T>
    {
        if (value is null)
        {
            throw new ArgumentNullException(what, what + " is null and cannot be encoded");
        }
        value.WriteTo(ref writer);
    }

    /// <summary>A discriminant in an error message, culture-invariant.</summary>
    public static string Format<T>(T value) where T : struct =>
        value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString() ?? string.Empty;
}
