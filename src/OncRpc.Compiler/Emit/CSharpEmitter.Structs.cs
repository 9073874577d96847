using System.Collections.Generic;
using OncRpc.Compiler.Semantics;

namespace OncRpc.Compiler.Emit;

internal sealed partial class CSharpEmitter
{
    private static readonly string[] s_reservedMembers =
    {
        "XdrName", "ReadFrom", "WriteTo", "WriteBody", "Equals", "GetHashCode", "ToString", "GetType", "MemberwiseClone",
        "ReferenceEquals", "Finalize",
    };

    /// <summary>Property names for a struct's fields, unique and never the class's own name.</summary>
    private List<string> FieldNames(StructSymbol s, string className)
    {
        var scope = new NameScope(s_reservedMembers);
        scope.Reserve(className);
        var names = new List<string>();
        foreach (FieldSymbol field in s.Fields)
        {
            names.Add(scope.Claim(Naming.Pascal(field.Name)));
        }
        return names;
    }

    /// <summary>True for <c>struct entry { ...; entry *next; }</c> (also through a typedef): the
    /// classic linked list, coded with loops instead of recursion (see EmitListStruct).</summary>
    private static bool IsLinkedList(StructSymbol s) =>
        s.Fields.Count > 0 && s.Fields[s.Fields.Count - 1].Type is OptionalType { Element: NamedType n } && n.Symbol == s;

    private void EmitStruct(StructSymbol s)
    {
        string name = _typeNames[s];
        string q = Qualified(name);
        List<string> props = FieldNames(s, name);
        _w.Line("/// <summary>XDR struct <c>" + s.Name + "</c>.</summary>");
        _w.Open("public sealed partial class " + name + " : " + Xdr + "IXdrSerializable<" + q + ">, global::System.IEquatable<" + q + ">");
        _w.Line("public const string XdrName = " + Naming.Literal(s.Name) + ";");
        for (int i = 0; i < s.Fields.Count; i++)
        {
            FieldSymbol field = s.Fields[i];
            _w.Line();
            _w.Line("/// <summary><c>" + field.Name + "</c>: " + Describe(field.Type) + ".</summary>");
            string? initial = DefaultValue(field.Type, new HashSet<TypeSymbol> { s });
            _w.Line("public " + TypeName(field.Type) + " " + props[i] + " { get; set; }" + (initial is null ? "" : " = " + initial + ";"));
        }
        _w.Line();
        if (IsLinkedList(s))
        {
            EmitListCodec(s, q, props);
        }
        else
        {
            _w.Open("public static " + q + " ReadFrom(ref " + Xdr + "XdrReader reader)");
            _w.Line("var value = new " + q + "();");
            for (int i = 0; i < s.Fields.Count; i++)
            {
                Read(s.Fields[i].Type, "value." + props[i], 0);
            }
            _w.Line("return value;");
            _w.Close();
            _w.Line();
            _w.Open("public void WriteTo(ref " + Xdr + "XdrWriter writer)");
            for (int i = 0; i < s.Fields.Count; i++)
            {
                Write(s.Fields[i].Type, props[i], name + "." + props[i], 0);
            }
            _w.Close();
            _w.Line();
            _w.Open("public bool Equals(" + q + "? other)");
            _w.Open("if (other is null)");
            _w.Line("return false;");
            _w.Close();
            var terms = new List<string> { "ReferenceEquals(this, other)" };
            var conjunction = new List<string>();
            for (int i = 0; i < s.Fields.Count; i++)
            {
                conjunction.Add(EqualsExpression(s.Fields[i].Type, props[i], "other." + props[i], 0));
            }
            terms.Add(conjunction.Count == 0 ? "true" : string.Join("\n" + new string(' ', 16) + "&& ", conjunction));
            _w.Line("return " + terms[0] + " || (" + terms[1] + ");");
            _w.Close();
            _w.Line();
            _w.Open("public override int GetHashCode()");
            _w.Line("var hash = new global::System.HashCode();");
            for (int i = 0; i < s.Fields.Count; i++)
            {
                _w.Line("hash.Add(" + HashExpression(s.Fields[i].Type, props[i], 0) + ");");
            }
            _w.Line("return hash.ToHashCode();");
            _w.Close();
        }
        _w.Line();
        _w.Line("public override bool Equals(object? obj) => obj is " + q + " other && Equals(other);");
        _w.Line();
        _w.Line("public static bool operator ==(" + q + "? left, " + q + "? right) => left is null ? right is null : left.Equals(right);");
        _w.Line();
        _w.Line("public static bool operator !=(" + q + "? left, " + q + "? right) => !(left == right);");
        _w.Close();
        _w.Line();
    }

    /// <summary>
    /// Codec, equality and hash for a linked list (last field points to the same type): each walks
    /// the list in a loop, so a million-element list costs no stack depth (RFC 4506 §4.19 notes
    /// optional-data exists for exactly these lists).
    /// </summary>
    private void EmitListCodec(StructSymbol s, string q, List<string> props)
    {
        int last = s.Fields.Count - 1;
        string next = props[last];
        _w.Open("public static " + q + " ReadFrom(ref " + Xdr + "XdrReader reader)");
        _w.Line("var head = new " + q + "();");
        _w.Line("var node = head;");
        _w.Open("while (true)");
        for (int i = 0; i < last; i++)
        {
            Read(s.Fields[i].Type, "node." + props[i], 0);
        }
        _w.Open("if (!reader.ReadOptionalFlag())");
        _w.Line("node." + next + " = null;");
        _w.Line("return head;");
        _w.Close();
        _w.Line("var following = new " + q + "();");
        _w.Line("node." + next + " = following;");
        _w.Line("node = following;");
        _w.Close();
        _w.Close();
        _w.Line();
        _w.Open("public void WriteTo(ref " + Xdr + "XdrWriter writer)");
        _w.Line("var node = this;");
        _w.Open("while (true)");
        for (int i = 0; i < last; i++)
        {
            Write(s.Fields[i].Type, "node." + props[i], _typeNames[s] + "." + props[i], 0);
        }
        _w.Line("var following = node." + next + ";");
        _w.Line("writer.WriteOptionalFlag(following is not null);");
        _w.Open("if (following is null)");
        _w.Line("return;");
        _w.Close();
        _w.Line("node = following;");
        _w.Close();
        _w.Close();
        _w.Line();
        _w.Open("public bool Equals(" + q + "? other)");
        _w.Line(q + "? a = this;");
        _w.Line(q + "? b = other;");
        _w.Open("while (true)");
        _w.Open("if (ReferenceEquals(a, b))");
        _w.Line("return true;");
        _w.Close();
        _w.Open("if (a is null || b is null)");
        _w.Line("return false;");
        _w.Close();
        for (int i = 0; i < last; i++)
        {
            _w.Open("if (!" + EqualsExpression(s.Fields[i].Type, "a." + props[i], "b." + props[i], 0) + ")");
            _w.Line("return false;");
            _w.Close();
        }
        _w.Line("a = a." + next + ";");
        _w.Line("b = b." + next + ";");
        _w.Close();
        _w.Close();
        _w.Line();
        _w.Open("public override int GetHashCode()");
        _w.Line("var hash = new global::System.HashCode();");
        _w.Open("for (" + q + "? node = this; node is not null; node = node." + next + ")");
        for (int i = 0; i < last; i++)
        {
            _w.Line("hash.Add(" + HashExpression(s.Fields[i].Type, "node." + props[i], 0) + ");");
        }
        if (last == 0)
        {
            _w.Line("hash.Add(1);");
        }
        _w.Close();
        _w.Line("return hash.ToHashCode();");
        _w.Close();
    }
}
