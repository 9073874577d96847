using System.Collections.Generic;
using System.Globalization;
using OncRpc.Compiler.Semantics;

namespace OncRpc.Compiler.Emit;

internal sealed partial class CSharpEmitter
{
    private readonly Dictionary<UnionArmSymbol, string> _armNames = new();
    private readonly Dictionary<UnionArmSymbol, string> _armValueNames = new();
    private readonly Dictionary<UnionSymbol, string> _discriminantNames = new();

    /// <summary>Arm classes are named after their first case label (NFS3_OK -> Nfs3Ok, 5 -> Case5,
    /// TRUE -> True) or Default; the arm's value property after its field. All share one scope with
    /// the inherited members, so no arm member hides another (CS0108) or its class (CS0542).</summary>
    private void AssignUnionNames(UnionSymbol u)
    {
        string name = _typeNames[u];
        var scope = new NameScope(s_reservedMembers);
        scope.Reserve(name);
        _discriminantNames[u] = scope.Claim(Naming.Pascal(u.Discriminant.Name));
        foreach (UnionArmSymbol arm in u.Arms)
        {
            CaseLabel label = arm.Labels[0];
            string preferred = label.MemberName is not null ? Naming.Pascal(label.MemberName)
                : u.Discriminant.Type is PrimitiveType { Kind: PrimitiveKind.Bool } ? (label.Value != 0 ? "True" : "False")
                : label.Value < 0 ? "CaseMinus" + (-label.Value).ToString(CultureInfo.InvariantCulture)
                : "Case" + label.Value.ToString(CultureInfo.InvariantCulture);
            _armNames[arm] = scope.Claim(preferred);
        }
        if (u.Default is not null)
        {
            _armNames[u.Default] = scope.Claim("Default");
        }
        foreach (UnionArmSymbol arm in AllArms(u))
        {
            if (arm.Body is not null)
            {
                var armScope = new NameScope(scope);
                _armValueNames[arm] = armScope.Claim(Naming.Pascal(arm.Body.Name));
            }
        }
    }

    private static List<UnionArmSymbol> AllArms(UnionSymbol u)
    {
        var arms = new List<UnionArmSymbol>(u.Arms);
        if (u.Default is not null)
        {
            arms.Add(u.Default);
        }
        return arms;
    }

    private string LabelExpression(UnionSymbol u, CaseLabel label) => u.Discriminant.Type switch
    {
        NamedType { Symbol: EnumSymbol e } => QualifiedType(e) + "." + _enumMemberNames[(e, label.MemberName!)],
        PrimitiveType { Kind: PrimitiveKind.Bool } => label.Value != 0 ? "true" : "false",
        PrimitiveType { Kind: PrimitiveKind.UnsignedInt } => label.Value.ToString(CultureInfo.InvariantCulture) + "u",
        _ => label.Value == int.MinValue ? "int.MinValue" : label.Value.ToString(CultureInfo.InvariantCulture),
    };

    private void EmitUnion(UnionSymbol u)
    {
        string name = _typeNames[u];
        string q = Qualified(name);
        string discriminantType = TypeName(u.Discriminant.Type);
        string discriminant = _discriminantNames[u];
        _w.Line("/// <summary>XDR union <c>" + u.Name + "</c>, switched on <c>" + u.Discriminant.Name + "</c>: one nested sealed class per arm, so values pattern-match.</summary>");
        _w.Open("public abstract partial class " + name + " : " + Xdr + "IXdrSerializable<" + q + ">, global::System.IEquatable<" + q + ">");
        _w.Line("public const string XdrName = " + Naming.Literal(u.Name) + ";");
        _w.Line();
        _w.Line("private protected " + name + "()");
        _w.Line("{");
        _w.Line("}");
        _w.Line();
        _w.Line("/// <summary>The discriminant <c>" + u.Discriminant.Name + "</c>.</summary>");
        _w.Line("public abstract " + discriminantType + " " + discriminant + " { get; }");
        _w.Line();
        _w.Open("public static " + q + " ReadFrom(ref " + Xdr + "XdrReader reader)");
        _w.Line(discriminantType + " discriminant = " + ReadExpression(u.Discriminant.Type) + ";");
        _w.Open("switch (discriminant)");
        foreach (UnionArmSymbol arm in u.Arms)
        {
            foreach (CaseLabel label in arm.Labels)
            {
                _w.Line("case " + LabelExpression(u, label) + ":");
            }
            EmitArmRead(u, arm, q, arm.Labels.Count > 1);
        }
        _w.Line("default:");
        if (u.Default is not null)
        {
            EmitArmRead(u, u.Default, q, true);
        }
        else
        {
            _w.Line("    throw new " + Xdr + "XdrException(reader.Position - 4, " + Helpers + ".Format(discriminant) + \" is not a case of union " + u.Name + "\");");
        }
        _w.Close();
        _w.Close();
        _w.Line();
        _w.Open("public void WriteTo(ref " + Xdr + "XdrWriter writer)");
        Write(u.Discriminant.Type, discriminant, name + "." + discriminant, 0);
        _w.Line("WriteBody(ref writer);");
        _w.Close();
        _w.Line();
        _w.Line("private protected abstract void WriteBody(ref " + Xdr + "XdrWriter writer);");
        _w.Line();
        _w.Line("public abstract bool Equals(" + q + "? other);");
        _w.Line();
        _w.Line("public override bool Equals(object? obj) => obj is " + q + " other && Equals(other);");
        _w.Line();
        _w.Line("public abstract override int GetHashCode();");
        _w.Line();
        _w.Line("public static bool operator ==(" + q + "? left, " + q + "? right) => left is null ? right is null : left.Equals(right);");
        _w.Line();
        _w.Line("public static bool operator !=(" + q + "? left, " + q + "? right) => !(left == right);");
        foreach (UnionArmSymbol arm in AllArms(u))
        {
            _w.Line();
            EmitArm(u, arm, q, discriminantType, discriminant);
        }
        _w.Close();
        _w.Line();
    }

    private void EmitArmRead(UnionSymbol u, UnionArmSymbol arm, string q, bool carriesDiscriminant)
    {
        _w.Open();
        _w.Line("var arm = new " + q + "." + _armNames[arm] + "(" + (carriesDiscriminant ? "discriminant" : "") + ");");
        if (arm.Body is not null)
        {
            Read(arm.Body.Type, "arm." + _armValueNames[arm], 0);
        }
        _w.Line("return arm;");
        _w.Close();
    }

    private void EmitArm(UnionSymbol u, UnionArmSymbol arm, string q, string discriminantType, string discriminant)
    {
        string armName = _armNames[arm];
        bool isDefault = arm.Labels.Count == 0;
        bool carries = isDefault || arm.Labels.Count > 1;
        string labels = isDefault ? "default" : string.Join(", ", System.Linq.Enumerable.Select(arm.Labels, l => l.MemberName ?? l.Value.ToString(CultureInfo.InvariantCulture)));
        _w.Line("/// <summary>The arm for <c>" + labels + "</c>" + (arm.Body is null ? " (void)" : ": <c>" + arm.Body.Name + "</c>") + ".</summary>");
        _w.Open("public sealed partial class " + armName + " : " + q);
        string? valueName = arm.Body is null ? null : _armValueNames[arm];
        string valueParameter = valueName is null ? "" : Naming.Escape(Naming.Camel(valueName));
        if (valueParameter == "discriminant")
        {
            valueParameter = "value";
        }
        if (carries)
        {
            _w.Line("private readonly " + discriminantType + " _discriminant;");
            _w.Line();
            if (!isDefault)
            {
                _w.Line("public " + armName + "()");
                _w.Line("    : this(" + LabelExpression(u, arm.Labels[0]) + ")");
                _w.Line("{");
                _w.Line("}");
                _w.Line();
            }
            _w.Open("public " + armName + "(" + discriminantType + " discriminant)");
            _w.Open("switch (discriminant)");
            IReadOnlyList<CaseLabel> declared = isDefault ? AllLabels(u) : arm.Labels;
            foreach (CaseLabel label in declared)
            {
                _w.Line("case " + LabelExpression(u, label) + ":");
            }
            if (isDefault)
            {
                if (declared.Count > 0)
                {
                    _w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(discriminant), discriminant, \"the value has its own arm\");");
                }
                _w.Line("default:");
                _w.Line("    break;");
            }
            else
            {
                _w.Line("    break;");
                _w.Line("default:");
                _w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(discriminant), discriminant, \"not a case of this arm\");");
            }
            _w.Close();
            _w.Line("_discriminant = discriminant;");
            _w.Close();
            _w.Line();
            if (valueName is not null)
            {
                _w.Line("public " + armName + "(" + discriminantType + " discriminant, " + TypeName(arm.Body!.Type) + " " + valueParameter + ")");
                _w.Line("    : this(discriminant)");
                _w.Open();
                _w.Line(valueName + " = " + valueParameter + ";");
                _w.Close();
                _w.Line();
            }
            _w.Line("public override " + discriminantType + " " + discriminant + " => _discriminant;");
        }
        else
        {
            _w.Line("public " + armName + "()");
            _w.Line("{");
            _w.Line("}");
            _w.Line();
            if (valueName is not null)
            {
                _w.Open("public " + armName + "(" + TypeName(arm.Body!.Type) + " " + valueParameter + ")");
                _w.Line(valueName + " = " + valueParameter + ";");
                _w.Close();
                _w.Line();
            }
            _w.Line("public override " + discriminantType + " " + discriminant + " => " + LabelExpression(u, arm.Labels[0]) + ";");
        }
        if (valueName is not null)
        {
            _w.Line();
            _w.Line("/// <summary><c>" + arm.Body!.Name + "</c>: " + Describe(arm.Body.Type) + ".</summary>");
            string? initial = DefaultValue(arm.Body.Type, new HashSet<TypeSymbol>());
            _w.Line("public " + TypeName(arm.Body.Type) + " " + valueName + " { get; set; }" + (initial is null ? "" : " = " + initial + ";"));
        }
        _w.Line();
        _w.Open("private protected override void WriteBody(ref " + Xdr + "XdrWriter writer)");
        if (arm.Body is not null)
        {
            Write(arm.Body.Type, valueName!, _typeNames[u] + "." + armName + "." + valueName, 0);
        }
        _w.Close();
        _w.Line();
        string equality = "other is " + q + "." + armName + " arm && " + Helpers + ".ValueEqual(" + discriminant + ", arm." + discriminant + ")";
        if (valueName is not null)
        {
            equality += " && " + EqualsExpression(arm.Body!.Type, valueName, "arm." + valueName, 0);
        }
        _w.Line("public override bool Equals(" + q + "? other) => " + equality + ";");
        _w.Line();
        _w.Line("public override int GetHashCode() => global::System.HashCode.Combine(" + Helpers + ".ValueHash(" + discriminant + ")" +
            (valueName is null ? "" : ", " + HashExpression(arm.Body!.Type, valueName, 0)) + ");");
        _w.Close();
    }

    private static List<CaseLabel> AllLabels(UnionSymbol u)
    {
        var labels = new List<CaseLabel>();
        foreach (UnionArmSymbol arm in u.Arms)
        {
            labels.AddRange(arm.Labels);
        }
        return labels;
    }
}
