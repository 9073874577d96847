using System;
using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Semantics;

internal sealed partial class Binder
{
    /// <summary>
    /// A type can be encoded only if some finite value exists: a struct when every field can be,
    /// a union when at least one arm can (a void arm ends a union-encoded list). Optional data and
    /// variable-length arrays always can (null, empty). Computed as a fixed point, so mutual
    /// recursion is handled; whatever is left is reported.
    /// </summary>
    private void CheckRecursion(List<Symbol> symbols)
    {
        var finite = new HashSet<TypeSymbol>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (Symbol symbol in symbols)
            {
                if (symbol is not TypeSymbol type || finite.Contains(type))
                {
                    continue;
                }
                bool ok = type switch
                {
                    EnumSymbol => true,
                    StructSymbol s => s.Fields.TrueForAll(f => IsFinite(f.Type, finite)),
                    UnionSymbol u => u.Arms.Exists(a => a.Body is null || IsFinite(a.Body.Type, finite)) ||
                                     (u.Default is not null && (u.Default.Body is null || IsFinite(u.Default.Body.Type, finite))) ||
                                     (u.Arms.Count == 0 && u.Default is null),
                    _ => true,
                };
                if (ok)
                {
                    finite.Add(type);
                    changed = true;
                }
            }
        }
        foreach (Symbol symbol in symbols)
        {
            if (symbol is TypeSymbol type && !finite.Contains(type))
            {
                _diagnostics.Report(DiagnosticDescriptors.InfiniteType, type.Location, type.Name, "every way of encoding it needs another " + type.Name + " by value");
            }
        }
    }

    private static bool IsFinite(XdrType type, HashSet<TypeSymbol> finite) => type switch
    {
        NamedType n => finite.Contains(n.Symbol),
        ArrayType { IsFixed: true } a => a.Size == 0 || IsFinite(a.Element, finite),
        _ => true,
    };

    private void ComputeMinimumSizes(List<Symbol> symbols)
    {
        var inProgress = new HashSet<TypeSymbol>();
        foreach (Symbol symbol in symbols)
        {
            if (symbol is TypeSymbol type)
            {
                MinimumSize(type, inProgress);
            }
        }
    }

    private static int MinimumSize(TypeSymbol type, HashSet<TypeSymbol> inProgress)
    {
        if (type.MinimumSizeCache >= 0)
        {
            return type.MinimumSizeCache;
        }
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        if (!inProgress.Add(type))
        {
            return 0; // only reachable for infinite types, already reported
        }
        long size;
        switch (type)
        {
            case StructSymbol s:
                size = 0;
                foreach (FieldSymbol field in s.Fields)
                {
                    size += MinimumSize(field.Type, inProgress);
                }
                break;
            case UnionSymbol u:
                long smallest = long.MaxValue;
                var arms = new List<UnionArmSymbol>(u.Arms);
                if (u.Default is not null)
                {
                    arms.Add(u.Default);
                }
                foreach (UnionArmSymbol arm in arms)
                {
                    smallest = Math.Min(smallest, arm.Body is null ? 0 : MinimumSize(arm.Body.Type, inProgress));
                }
                size = 4 + (smallest == long.MaxValue ? 0 : smallest);
                break;
            default:
                size = 4;
                break;
        }
        inProgress.Remove(type);
        type.MinimumSizeCache = (int)Math.Min(int.MaxValue, size);
        return type.MinimumSizeCache;
    }

    private static long MinimumSize(XdrType type, HashSet<TypeSymbol> inProgress) => type switch
    {
        NamedType n => MinimumSize(n.Symbol, inProgress),
        ArrayType { IsFixed: true } a => (long)(a.Size ?? 0) * MinimumSize(a.Element, inProgress),
        _ => type.MinimumSize,
    };
}
