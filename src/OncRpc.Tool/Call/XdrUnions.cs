using OncRpc.Compiler.Semantics;

namespace OncRpc.Tool.Call;

/// <summary>Union arm selection, shared by both directions of the JSON mapping.</summary>
internal static class XdrUnions
{
    /// <summary>The arm whose case labels hold <paramref name="discriminant"/>, else the default
    /// arm, else null (RFC 4506 §4.15: such a value is not a valid union).</summary>
    public static UnionArmSymbol? Select(UnionSymbol union, long discriminant) =>
        union.Arms.FirstOrDefault(a => a.Labels.Any(l => l.Value == discriminant)) ?? union.Default;
}
