using System.Globalization;
using System.Text;
using System.Text.Json;
using OncRpc.Compiler.Semantics;
using OncRpc.Xdr;

namespace OncRpc.Tool.Call;

/// <summary>
/// Encodes a JSON value as the XDR of a .x type, walking the compiler's semantic model (no C# is
/// generated or compiled). The mapping is docs/json-mapping.md; every rejection names the JSONPath
/// of the value and what the .x declares, before anything is sent.
/// </summary>
internal static class JsonToXdr
{
    public static void Write(ref XdrWriter writer, XdrType type, JsonElement value, JsonPath path)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (type)
        {
            case PrimitiveType primitive:
                WritePrimitive(ref writer, primitive.Kind, value, path);
                break;
            case StringType text:
                WriteString(ref writer, text, value, path);
                break;
            case OpaqueType opaque:
                WriteOpaque(ref writer, opaque, value, path);
                break;
            case ArrayType array:
                WriteArray(ref writer, array, value, path);
                break;
            case OptionalType optional:
                // RFC 4506 §4.19: optional-data is a bool "present" then the value.
                writer.WriteOptionalFlag(value.ValueKind != JsonValueKind.Null);
                if (value.ValueKind != JsonValueKind.Null)
                {
                    Write(ref writer, optional.Element, value, path);
                }
                break;
            case NamedType { Symbol: EnumSymbol e }:
                writer.WriteEnum(EnumValue(e, value, path));
                break;
            case NamedType { Symbol: StructSymbol structure }:
                WriteStruct(ref writer, structure, value, path);
                break;
            case NamedType { Symbol: UnionSymbol u }:
                WriteUnion(ref writer, u, value, path);
                break;
            default:
                throw path.Error($"cannot encode {type.GetType().Name}");
        }
    }

    private static void WritePrimitive(ref XdrWriter writer, PrimitiveKind kind, JsonElement value, JsonPath path)
    {
        switch (kind)
        {
            case PrimitiveKind.Int:
                writer.WriteInt32((int)Integer(value, path, int.MinValue, int.MaxValue, "int"));
                break;
            case PrimitiveKind.UnsignedInt:
                writer.WriteUInt32((uint)Integer(value, path, 0, uint.MaxValue, "unsigned int"));
                break;
            case PrimitiveKind.Hyper:
                writer.WriteInt64((long)Integer(value, path, long.MinValue, long.MaxValue, "hyper"));
                break;
            case PrimitiveKind.UnsignedHyper:
                writer.WriteUInt64((ulong)Integer(value, path, 0, ulong.MaxValue, "unsigned hyper"));
                break;
            case PrimitiveKind.Float:
                double f = Real(value, path);
                if (double.IsFinite(f) && Math.Abs(f) > float.MaxValue)
                {
                    throw path.Error($"{Raw(value)} is out of range for float");
                }
                writer.WriteSingle((float)f);
                break;
            case PrimitiveKind.Double:
                writer.WriteDouble(Real(value, path));
                break;
            case PrimitiveKind.Quadruple:
                writer.WriteQuadruple(XdrQuadruple.FromDouble(Real(value, path)));
                break;
            case PrimitiveKind.Bool:
                writer.WriteBool(value.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Expected(path, "true or false", value),
                });
                break;
        }
    }

    /// <summary>An integer from a JSON number or a decimal string (hyper values beyond 2^53 do not
    /// survive JSON numbers in most parsers, so both forms are accepted everywhere).</summary>
    private static Int128 Integer(JsonElement value, JsonPath path, Int128 min, Int128 max, string typeName)
    {
        string text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString()!.Trim(),
            _ => throw Expected(path, $"an integer ({typeName})", value),
        };
        if (!Int128.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out Int128 number))
        {
            throw path.Error($"{Raw(value)} is not an integer ({typeName})");
        }
        if (number < min || number > max)
        {
            throw path.Error($"{Raw(value)} is out of range for {typeName} ({min}..{max})");
        }
        return number;
    }

    private static double Real(JsonElement value, JsonPath path)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }
        return value.ValueKind == JsonValueKind.String && value.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            _ => (double?)null,
        } is { } special
            ? special
            : throw Expected(path, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")", value);
    }

    private static void WriteString(ref XdrWriter writer, StringType type, JsonElement value, JsonPath path)
    {
        string text = value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Expected(path, "a string", value);
        // The bound is in bytes on the wire (RFC 4506 §4.11), so count the UTF-8 the writer sends.
        int bytes = Encoding.UTF8.GetByteCount(text);
        if (type.Max is { } max && bytes > max)
        {
            throw path.Error($"string longer than {max} ({bytes} bytes)");
        }
        writer.WriteString(text);
    }

    private static void WriteOpaque(ref XdrWriter writer, OpaqueType opaque, JsonElement value, JsonPath path)
    {
        if (value.ValueKind != JsonValueKind.String || !value.TryGetBytesFromBase64(out byte[]? bytes))
        {
            throw Expected(path, "base64 text (opaque)", value);
        }
        if (opaque.IsFixed)
        {
            if (bytes.Length != opaque.Size)
            {
                throw path.Error($"opaque[{opaque.Size}] needs exactly {opaque.Size} bytes, got {bytes.Length}");
            }
            writer.WriteFixedOpaque(bytes);
            return;
        }
        if (opaque.Size is { } max && bytes.Length > max)
        {
            throw path.Error($"opaque longer than {max} ({bytes.Length} bytes)");
        }
        writer.WriteOpaque(bytes);
    }

    private static void WriteArray(ref XdrWriter writer, ArrayType array, JsonElement value, JsonPath path)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Expected(path, "an array", value);
        }
        int count = value.GetArrayLength();
        if (array.IsFixed && count != array.Size)
        {
            throw path.Error($"fixed array needs exactly {array.Size} elements, got {count}");
        }
        if (!array.IsFixed)
        {
            if (array.Size is { } max && count > max)
            {
                throw path.Error($"array longer than {max} ({count} elements)");
            }
            writer.WriteLength(count);
        }
        int i = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            Write(ref writer, array.Element, item, path.Index(i++));
        }
    }

    private static void WriteStruct(ref XdrWriter writer, StructSymbol symbol, JsonElement value, JsonPath path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Expected(path, $"an object (struct {symbol.Name})", value);
        }
        CheckMembers(value, path, symbol.Name, symbol.Fields.Select(f => f.Name));
        foreach (FieldSymbol field in symbol.Fields)
        {
            JsonPath at = path.Member(field.Name);
            if (!value.TryGetProperty(field.Name, out JsonElement member))
            {
                throw at.Error($"missing (struct {symbol.Name} has field '{field.Name}')");
            }
            Write(ref writer, field.Type, member, at);
        }
    }

    private static void WriteUnion(ref XdrWriter writer, UnionSymbol symbol, JsonElement value, JsonPath path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Expected(path, $"an object naming the discriminant '{symbol.Discriminant.Name}' (union {symbol.Name})", value);
        }
        FieldSymbol discriminant = symbol.Discriminant;
        JsonPath discriminantPath = path.Member(discriminant.Name);
        if (!value.TryGetProperty(discriminant.Name, out JsonElement tag))
        {
            throw discriminantPath.Error($"missing (union {symbol.Name} switches on '{discriminant.Name}')");
        }
        long selector = DiscriminantValue(ref writer, discriminant.Type, tag, discriminantPath);
        UnionArmSymbol? arm = XdrUnions.Select(symbol, selector)
            ?? throw discriminantPath.Error($"{Raw(tag)} selects no arm of union {symbol.Name} (and it has no default)");
        string[] allowed = arm.Body is { } b ? [discriminant.Name, b.Name] : [discriminant.Name];
        CheckMembers(value, path, symbol.Name, allowed);
        if (arm.Body is { } body)
        {
            JsonPath at = path.Member(body.Name);
            if (!value.TryGetProperty(body.Name, out JsonElement member))
            {
                throw at.Error($"missing (the arm {Raw(tag)} of union {symbol.Name} carries '{body.Name}')");
            }
            Write(ref writer, body.Type, member, at);
        }
    }

    /// <summary>Writes the discriminant and returns its value as the case labels hold it.</summary>
    private static long DiscriminantValue(ref XdrWriter writer, XdrType type, JsonElement tag, JsonPath path)
    {
        switch (type)
        {
            case NamedType { Symbol: EnumSymbol e }:
                int value = EnumValue(e, tag, path);
                writer.WriteEnum(value);
                return value;
            case PrimitiveType { Kind: PrimitiveKind.Bool }:
                bool flag = tag.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Expected(path, "true or false", tag),
                };
                writer.WriteBool(flag);
                return flag ? 1 : 0;
            case PrimitiveType { Kind: PrimitiveKind.UnsignedInt }:
                uint u = (uint)Integer(tag, path, 0, uint.MaxValue, "unsigned int");
                writer.WriteUInt32(u);
                return u;
            default:
                int i = (int)Integer(tag, path, int.MinValue, int.MaxValue, "int");
                writer.WriteInt32(i);
                return i;
        }
    }

    /// <summary>An enum by member name (as in the .x) or by number; either must be declared.</summary>
    internal static int EnumValue(EnumSymbol symbol, JsonElement value, JsonPath path)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            string name = value.GetString()!;
            return symbol.Members.FirstOrDefault(m => m.Name == name)?.Value
                ?? throw path.Error($"'{name}' is not a member of enum {symbol.Name} ({string.Join(", ", symbol.Members.Select(m => m.Name))})");
        }
        int number = (int)Integer(value, path, int.MinValue, int.MaxValue, $"enum {symbol.Name}");
        return symbol.Members.Any(m => m.Value == number)
            ? number
            : throw path.Error($"{number} is not a value of enum {symbol.Name} ({string.Join(", ", symbol.Members.Select(m => $"{m.Name} = {m.Value}"))})");
    }

    private static void CheckMembers(JsonElement value, JsonPath path, string typeName, IEnumerable<string> allowed)
    {
        var names = new HashSet<string>(allowed, StringComparer.Ordinal);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            if (!names.Contains(property.Name))
            {
                throw path.Member(property.Name).Error($"unknown member ({typeName} has {string.Join(", ", names)})");
            }
        }
    }

    private static JsonMappingException Expected(JsonPath path, string what, JsonElement value) =>
        path.Error($"expected {what}, got {Describe(value)}");

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "the string " + Raw(value),
        JsonValueKind.Null => "null",
        _ => Raw(value),
    };

    private static string Raw(JsonElement value)
    {
        string raw = value.GetRawText();
        return raw.Length <= 40 ? raw : raw[..37] + "...";
    }
}
