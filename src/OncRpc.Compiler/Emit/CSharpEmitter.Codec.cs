using OncRpc.Compiler.Semantics;

namespace OncRpc.Compiler.Emit;

internal sealed partial class CSharpEmitter
{
    /// <summary>The C# type for an XDR type (docs/xdr-mapping.md).</summary>
    private string TypeName(XdrType type) => type switch
    {
        PrimitiveType p => p.Kind switch
        {
            PrimitiveKind.Int => "int",
            PrimitiveKind.UnsignedInt => "uint",
            PrimitiveKind.Hyper => "long",
            PrimitiveKind.UnsignedHyper => "ulong",
            PrimitiveKind.Float => "float",
            PrimitiveKind.Double => "double",
            PrimitiveKind.Quadruple => Xdr + "XdrQuadruple",
            _ => "bool",
        },
        StringType => "string",
        OpaqueType => "byte[]",
        ArrayType a => TypeName(a.Element) + "[]",
        OptionalType o => TypeName(o.Element) + "?",
        NamedType n => QualifiedType(n.Symbol),
        ExternType e => "global::" + e.CSharpType,
        _ => throw Unreachable(type),
    };

    private static bool IsValueType(XdrType type) => type is PrimitiveType || type is NamedType { Symbol: EnumSymbol };

    /// <summary>Compared with its own Equals: an enum or primitive, or an extern type, whose C#
    /// shape (class or struct) the compiler does not know.</summary>
    private static bool HasDefaultEquality(XdrType type) => IsValueType(type) || type is ExternType;

    /// <summary>An expression for a valid default value (so a new object encodes), or null when the
    /// C# default already is one (optional: null; numbers: 0).</summary>
    private string? DefaultValue(XdrType type, System.Collections.Generic.HashSet<TypeSymbol> visiting)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (type)
        {
            case StringType:
                return "string.Empty";
            case OpaqueType { IsFixed: true } o:
                return "new byte[" + I(o.Size ?? 0) + "]";
            case OpaqueType:
                return "global::System.Array.Empty<byte>()";
            case ArrayType { IsFixed: true } a when (a.Size ?? 0) > 0:
            {
                string? element = a.Element is ExternType ? null : DefaultValue(a.Element, visiting);
                return element is null
                    ? Helpers + ".NewArray<" + TypeName(a.Element) + ">(" + I(a.Size ?? 0) + ")"
                    : Helpers + ".Fill<" + TypeName(a.Element) + ">(" + I(a.Size ?? 0) + ", static () => " + element + ")";
            }
            case ArrayType a:
                return "global::System.Array.Empty<" + TypeName(a.Element) + ">()";
            case NamedType { Symbol: EnumSymbol e }:
                return e.Members.Count == 0 ? null : QualifiedType(e) + "." + _enumMemberNames[(e, e.Members[0].Name)];
            case NamedType { Symbol: StructSymbol s }:
                return CanConstruct(s, visiting) ? "new " + QualifiedType(s) + "()" : "null!";
            case NamedType { Symbol: UnionSymbol u }:
                UnionArmSymbol? arm = DefaultArm(u, visiting);
                return arm is null ? "null!" : "new " + QualifiedType(u) + "." + _armNames[arm] + "()";
            case ExternType:
                // Class or struct, the compiler cannot tell: default (null for a class, which must be
                // set before encoding, as with any reference the caller owns).
                return "default!";
            default:
                return null;
        }
    }

    /// <summary>False when building the default of <paramref name="s"/> would build another
    /// <paramref name="s"/> (a cycle through union arms); the property is then left null.</summary>
    private bool CanConstruct(StructSymbol s, System.Collections.Generic.HashSet<TypeSymbol> visiting)
    {
        // Only "yes" is cached: it holds whatever is being visited, and it keeps chains of
        // structs linear instead of exponential.
        if (_constructible.Contains(s))
        {
            return true;
        }
        if (!visiting.Add(s))
        {
            return false;
        }
        try
        {
            foreach (FieldSymbol field in s.Fields)
            {
                if (DefaultValue(field.Type, visiting) == "null!")
                {
                    return false;
                }
            }
            _constructible.Add(s);
            return true;
        }
        finally
        {
            visiting.Remove(s);
        }
    }

    /// <summary>The arm a new union property starts as: the first non-default arm whose value can be
    /// built without a cycle.</summary>
    private readonly System.Collections.Generic.HashSet<StructSymbol> _constructible = new();
    private readonly System.Collections.Generic.Dictionary<UnionSymbol, UnionArmSymbol> _defaultArms = new();

    private UnionArmSymbol? DefaultArm(UnionSymbol u, System.Collections.Generic.HashSet<TypeSymbol> visiting)
    {
        if (_defaultArms.TryGetValue(u, out UnionArmSymbol? known))
        {
            return known;
        }
        if (!visiting.Add(u))
        {
            return null;
        }
        try
        {
            foreach (UnionArmSymbol arm in u.Arms)
            {
                if (arm.Body is null || DefaultValue(arm.Body.Type, visiting) != "null!")
                {
                    _defaultArms[u] = arm;
                    return arm;
                }
            }
            return null;
        }
        finally
        {
            visiting.Remove(u);
        }
    }

    /// <summary>Statements that decode one <paramref name="type"/> into <paramref name="target"/>.
    /// Every count is checked against its maximum and the bytes left before anything is allocated.</summary>
    private void Read(XdrType type, string target, int depth)
    {
        switch (type)
        {
            case OptionalType o:
                _w.Open("if (reader.ReadOptionalFlag())");
                Read(o.Element, target, depth + 1);
                _w.Close();
                _w.Open("else");
                _w.Line(target + " = null;");
                _w.Close();
                return;
            case ArrayType a:
            {
                string count = "count" + I(depth), array = "array" + I(depth), index = "i" + I(depth);
                int minimum = System.Math.Max(1, a.Element.MinimumSize);
                _w.Open();
                if (a.IsFixed)
                {
                    _w.Line("const int " + count + " = " + I(a.Size ?? 0) + ";");
                    _w.Line("reader.EnsureFixedArray(" + count + ", " + I(minimum) + ");");
                }
                else
                {
                    _w.Line("int " + count + " = reader.ReadArrayLength(" + Max(a.Size) + ", " + I(minimum) + ");");
                }
                _w.Line("var " + array + " = " + Helpers + ".NewArray<" + TypeName(a.Element) + ">(" + count + ");");
                _w.Open("for (int " + index + " = 0; " + index + " < " + array + ".Length; " + index + "++)");
                Read(a.Element, array + "[" + index + "]", depth + 1);
                _w.Close();
                _w.Line(target + " = " + array + ";");
                _w.Close();
                return;
            }
            default:
                _w.Line(target + " = " + ReadExpression(type) + ";");
                return;
        }
    }

    private static string Max(uint? max) => max is null ? "uint.MaxValue" : U(max.Value);

    private string ReadExpression(XdrType type) => type switch
    {
        PrimitiveType p => p.Kind switch
        {
            PrimitiveKind.Int => "reader.ReadInt32()",
            PrimitiveKind.UnsignedInt => "reader.ReadUInt32()",
            PrimitiveKind.Hyper => "reader.ReadInt64()",
            PrimitiveKind.UnsignedHyper => "reader.ReadUInt64()",
            PrimitiveKind.Float => "reader.ReadSingle()",
            PrimitiveKind.Double => "reader.ReadDouble()",
            PrimitiveKind.Quadruple => "reader.ReadQuadruple()",
            _ => "reader.ReadBool()",
        },
        StringType s => s.Max is null ? "reader.ReadString()" : "reader.ReadString(" + U(s.Max.Value) + ")",
        OpaqueType { IsFixed: true } o => "reader.ReadFixedOpaque(" + I(o.Size ?? 0) + ")",
        OpaqueType o => o.Size is null ? "reader.ReadOpaque()" : "reader.ReadOpaque(" + U(o.Size.Value) + ")",
        NamedType { Symbol: EnumSymbol e } => Qualified(e, _enumHelperNames[e]) + ".Read(ref reader)",
        NamedType n => QualifiedType(n.Symbol) + ".ReadFrom(ref reader)",
        ExternType e => Helpers + ".Read<" + TypeName(e) + ">(ref reader)",
        _ => throw Unreachable(type),
    };

    /// <summary>Statements that encode <paramref name="value"/>; sizes are checked on the way out too,
    /// so a value that could not be decoded is never sent.</summary>
    private void Write(XdrType type, string value, string what, int depth)
    {
        switch (type)
        {
            case PrimitiveType p:
                _w.Line(p.Kind switch
                {
                    PrimitiveKind.Int => "writer.WriteInt32(",
                    PrimitiveKind.UnsignedInt => "writer.WriteUInt32(",
                    PrimitiveKind.Hyper => "writer.WriteInt64(",
                    PrimitiveKind.UnsignedHyper => "writer.WriteUInt64(",
                    PrimitiveKind.Float => "writer.WriteSingle(",
                    PrimitiveKind.Double => "writer.WriteDouble(",
                    PrimitiveKind.Quadruple => "writer.WriteQuadruple(",
                    _ => "writer.WriteBool(",
                } + value + ");");
                return;
            case StringType s:
                _w.Line("writer.WriteString(" + Helpers + ".NotNull(" + value + ", " + Naming.Literal(what) + ")" + (s.Max is null ? "" : ", " + U(s.Max.Value)) + ");");
                return;
            case OpaqueType { IsFixed: true } o:
                _w.Line("writer.WriteFixedOpaque(" + Helpers + ".NotNull(" + value + ", " + Naming.Literal(what) + "), " + I(o.Size ?? 0) + ");");
                return;
            case OpaqueType o:
                _w.Line("writer.WriteOpaque(" + Helpers + ".NotNull(" + value + ", " + Naming.Literal(what) + ")" + (o.Size is null ? "" : ", " + U(o.Size.Value)) + ");");
                return;
            case NamedType { Symbol: EnumSymbol e }:
                _w.Line(Qualified(e, _enumHelperNames[e]) + ".Write(ref writer, " + value + ");");
                return;
            case NamedType:
                _w.Line(Helpers + ".NotNull(" + value + ", " + Naming.Literal(what) + ").WriteTo(ref writer);");
                return;
            case ExternType e:
                _w.Line(Helpers + ".Write<" + TypeName(e) + ">(ref writer, " + value + ", " + Naming.Literal(what) + ");");
                return;
            case OptionalType o:
            {
                // The block scopes the pattern variable, which C# would otherwise leak into the
                // enclosing statements (CS0128 with the next optional field).
                string present = "present" + I(depth);
                _w.Open();
                _w.Open("if (" + value + " is { } " + present + ")");
                _w.Line("writer.WriteOptionalFlag(true);");
                Write(o.Element, present, what, depth + 1);
                _w.Close();
                _w.Open("else");
                _w.Line("writer.WriteOptionalFlag(false);");
                _w.Close();
                _w.Close();
                return;
            }
            case ArrayType a:
            {
                string array = "array" + I(depth), item = "item" + I(depth);
                _w.Open();
                _w.Line("var " + array + " = " + Helpers + ".NotNull(" + value + ", " + Naming.Literal(what) + ");");
                if (a.IsFixed)
                {
                    _w.Line(Helpers + ".CheckFixedLength(" + array + ".Length, " + I(a.Size ?? 0) + ", " + Naming.Literal(what) + ");");
                }
                else
                {
                    _w.Line("writer.WriteLength(" + array + ".Length, " + Max(a.Size) + ");");
                }
                _w.Open("foreach (var " + item + " in " + array + ")");
                Write(a.Element, item, what, depth + 1);
                _w.Close();
                _w.Close();
                return;
            }
            default:
                throw Unreachable(type);
        }
    }

    /// <summary>An expression comparing two values element by element (arrays and opaque by content).</summary>
    private string EqualsExpression(XdrType type, string a, string b, int depth)
    {
        string x = "x" + I(depth), y = "y" + I(depth);
        switch (type)
        {
            case OpaqueType:
                return Helpers + ".BytesEqual(" + a + ", " + b + ")";
            case ArrayType array:
                return Helpers + ".ArrayEqual(" + a + ", " + b + ", static (" + x + ", " + y + ") => " + EqualsExpression(array.Element, x, y, depth + 1) + ")";
            case OptionalType o when HasDefaultEquality(o.Element):
                return Helpers + ".ValueEqual(" + a + ", " + b + ")";
            case OptionalType o:
                return Helpers + ".OptionalEqual<" + TypeName(o.Element) + ">(" + a + ", " + b + ", static (" + x + ", " + y + ") => " + EqualsExpression(o.Element, x, y, depth + 1) + ")";
            default:
                return Helpers + ".ValueEqual(" + a + ", " + b + ")";
        }
    }

    /// <summary>An expression hashing a value consistently with <see cref="EqualsExpression"/>.</summary>
    private string HashExpression(XdrType type, string value, int depth)
    {
        string x = "x" + I(depth);
        switch (type)
        {
            case OpaqueType:
                return Helpers + ".BytesHash(" + value + ")";
            case ArrayType array:
                return Helpers + ".ArrayHash(" + value + ", static " + x + " => " + HashExpression(array.Element, x, depth + 1) + ")";
            case OptionalType o when !HasDefaultEquality(o.Element):
                return Helpers + ".OptionalHash<" + TypeName(o.Element) + ">(" + value + ", static " + x + " => " + HashExpression(o.Element, x, depth + 1) + ")";
            default:
                return Helpers + ".ValueHash(" + value + ")";
        }
    }
}
