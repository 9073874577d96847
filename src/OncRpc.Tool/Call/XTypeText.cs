using OncRpc.Compiler.Semantics;

namespace OncRpc.Tool.Call;

/// <summary>A resolved type written back in .x syntax, for <c>oncrpc call --list</c>.</summary>
internal static class XTypeText
{
    public static string Format(XdrType? type) => type switch
    {
        null => "void",
        PrimitiveType p => p.Kind switch
        {
            PrimitiveKind.Int => "int",
            PrimitiveKind.UnsignedInt => "unsigned int",
            PrimitiveKind.Hyper => "hyper",
            PrimitiveKind.UnsignedHyper => "unsigned hyper",
            PrimitiveKind.Float => "float",
            PrimitiveKind.Double => "double",
            PrimitiveKind.Quadruple => "quadruple",
            _ => "bool",
        },
        StringType s => $"string<{s.Max}>",
        OpaqueType { IsFixed: true } o => $"opaque[{o.Size}]",
        OpaqueType o => $"opaque<{o.Size}>",
        ArrayType { IsFixed: true } a => $"{Format(a.Element)}[{a.Size}]",
        ArrayType a => $"{Format(a.Element)}<{a.Size}>",
        OptionalType o => $"{Format(o.Element)} *",
        NamedType n => n.Symbol switch
        {
            EnumSymbol => "enum " + n.Symbol.Name,
            UnionSymbol => "union " + n.Symbol.Name,
            _ => "struct " + n.Symbol.Name,
        },
        ExternType e => e.Name,
        _ => type.GetType().Name,
    };

    /// <summary>An argument as the .x wrote it (its typedef name) when it had one.</summary>
    public static string Argument(ProcedureSymbol procedure, int index) =>
        procedure.ArgumentTypeNames.Count > index && procedure.ArgumentTypeNames[index] is { } written
            ? written
            : Format(procedure.Arguments[index]);
}
