using System.Text.Json;
using OncRpc.Compiler.Semantics;
using OncRpc.Xdr;

namespace OncRpc.Tool.Call;

/// <summary>
/// Decodes XDR of a .x type into JSON, the inverse of <see cref="JsonToXdr"/> (docs/json-mapping.md):
/// what one writes, the other reads back. Bytes that do not decode raise
/// <see cref="JsonMappingException"/> with the JSONPath reached.
/// </summary>
internal static class XdrToJson
{
    /// <summary>JSON numbers are exact only up to 2^53 in most parsers (JavaScript's doubles): a
    /// hyper beyond that is written as a decimal string.</summary>
    private const long ExactInJson = 1L << 53;

    /// <summary>Deepest JSON nesting written; the writer and readers are set to allow more.</summary>
    public const int MaxDepth = 4000;

    public static void Read(ref XdrReader reader, XdrType type, Utf8JsonWriter json, JsonPath path)
    {
        // A long linked list nests one level per node: stop with a message, not a stack overflow.
        if (json.CurrentDepth >= MaxDepth)
        {
            throw path.Error($"nested more than {MaxDepth} levels deep (a list that long does not fit in JSON here)");
        }
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        try
        {
            ReadCore(ref reader, type, json, path);
        }
        catch (XdrException e)
        {
            throw path.Error($"cannot decode: {e.Message}");
        }
    }

    private static void ReadCore(ref XdrReader reader, XdrType type, Utf8JsonWriter json, JsonPath path)
    {
        switch (type)
        {
            case PrimitiveType primitive:
                ReadPrimitive(ref reader, primitive.Kind, json);
                break;
            case StringType text:
                json.WriteStringValue(reader.ReadString(text.Max ?? uint.MaxValue));
                break;
            case OpaqueType opaque:
                json.WriteBase64StringValue(opaque.IsFixed
                    ? reader.ReadFixedOpaque((int)(opaque.Size ?? 0))
                    : reader.ReadOpaque(opaque.Size ?? uint.MaxValue));
                break;
            case ArrayType array:
                int count = array.IsFixed
                    ? (int)(array.Size ?? 0)
                    : reader.ReadArrayLength(array.Size ?? uint.MaxValue, Math.Max(1, array.Element.MinimumSize));
                if (array.IsFixed)
                {
                    reader.EnsureFixedArray(count, Math.Max(1, array.Element.MinimumSize));
                }
                json.WriteStartArray();
                for (int i = 0; i < count; i++)
                {
                    Read(ref reader, array.Element, json, path.Index(i));
                }
                json.WriteEndArray();
                break;
            case OptionalType optional:
                if (reader.ReadOptionalFlag())
                {
                    Read(ref reader, optional.Element, json, path);
                }
                else
                {
                    json.WriteNullValue();
                }
                break;
            case NamedType { Symbol: EnumSymbol e }:
                WriteEnum(e, reader.ReadEnum(), json, path);
                break;
            case NamedType { Symbol: StructSymbol s }:
                json.WriteStartObject();
                foreach (FieldSymbol field in s.Fields)
                {
                    json.WritePropertyName(field.Name);
                    Read(ref reader, field.Type, json, path.Member(field.Name));
                }
                json.WriteEndObject();
                break;
            case NamedType { Symbol: UnionSymbol u }:
                ReadUnion(ref reader, u, json, path);
                break;
            default:
                throw path.Error($"cannot decode {type.GetType().Name}");
        }
    }

    private static void ReadPrimitive(ref XdrReader reader, PrimitiveKind kind, Utf8JsonWriter json)
    {
        switch (kind)
        {
            case PrimitiveKind.Int:
                json.WriteNumberValue(reader.ReadInt32());
                break;
            case PrimitiveKind.UnsignedInt:
                json.WriteNumberValue(reader.ReadUInt32());
                break;
            case PrimitiveKind.Hyper:
                long h = reader.ReadInt64();
                if (h is > -ExactInJson and < ExactInJson)
                {
                    json.WriteNumberValue(h);
                }
                else
                {
                    json.WriteStringValue(h.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                break;
            case PrimitiveKind.UnsignedHyper:
                ulong uh = reader.ReadUInt64();
                if (uh < ExactInJson)
                {
                    json.WriteNumberValue(uh);
                }
                else
                {
                    json.WriteStringValue(uh.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                break;
            case PrimitiveKind.Float:
                WriteReal(reader.ReadSingle(), json);
                break;
            case PrimitiveKind.Double:
                WriteReal(reader.ReadDouble(), json);
                break;
            case PrimitiveKind.Quadruple:
                WriteReal(reader.ReadQuadruple().ToDouble(), json);
                break;
            case PrimitiveKind.Bool:
                json.WriteBooleanValue(reader.ReadBool());
                break;
        }
    }

    /// <summary>JSON has no NaN or infinities: they are written as the strings JsonToXdr accepts.
    /// A float is written through its shortest round-trip text, so 0.1f prints as 0.1.</summary>
    private static void WriteReal(float value, Utf8JsonWriter json)
    {
        if (float.IsFinite(value))
        {
            json.WriteRawValue(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), skipInputValidation: false);
        }
        else
        {
            WriteReal((double)value, json);
        }
    }

    private static void WriteReal(double value, Utf8JsonWriter json)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static void WriteEnum(EnumSymbol symbol, int value, Utf8JsonWriter json, JsonPath path)
    {
        string name = symbol.Members.FirstOrDefault(m => m.Value == value)?.Name
            ?? throw path.Error($"{value} is not a value of enum {symbol.Name}");
        json.WriteStringValue(name);
    }

    private static void ReadUnion(ref XdrReader reader, UnionSymbol symbol, Utf8JsonWriter json, JsonPath path)
    {
        FieldSymbol discriminant = symbol.Discriminant;
        JsonPath discriminantPath = path.Member(discriminant.Name);
        json.WriteStartObject();
        json.WritePropertyName(discriminant.Name);
        long selector;
        switch (discriminant.Type)
        {
            case NamedType { Symbol: EnumSymbol e }:
                selector = reader.ReadEnum();
                WriteEnum(e, (int)selector, json, discriminantPath);
                break;
            case PrimitiveType { Kind: PrimitiveKind.Bool }:
                bool flag = reader.ReadBool();
                selector = flag ? 1 : 0;
                json.WriteBooleanValue(flag);
                break;
            case PrimitiveType { Kind: PrimitiveKind.UnsignedInt }:
                uint u = reader.ReadUInt32();
                selector = u;
                json.WriteNumberValue(u);
                break;
            default:
                int i = reader.ReadInt32();
                selector = i;
                json.WriteNumberValue(i);
                break;
        }
        UnionArmSymbol arm = XdrUnions.Select(symbol, selector)
            ?? throw discriminantPath.Error($"{selector} selects no arm of union {symbol.Name}");
        if (arm.Body is { } body)
        {
            json.WritePropertyName(body.Name);
            Read(ref reader, body.Type, json, path.Member(body.Name));
        }
        json.WriteEndObject();
    }
}
