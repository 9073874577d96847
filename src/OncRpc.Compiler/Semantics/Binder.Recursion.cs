using System;
using System.Collections.Generic;
using OncRpc.Compiler.Diagnostics;

namespace OncRpc.Compiler.Semantics;

internal sealed partial class Binder
{
    /// <summary>
    /// A type can be encoded only if some finite value exists: a struct when every field can be,
    /// a union when at least one arm can (a void arm ends a union-encoded list). Optional data and
    /// variable-length arrays always can (null, empty). Computed as a least fixed point with a
    /// worklist (linear in the number of fields, whatever the definition order), so mutual
    /// recursion is handled; whatever is left is reported.
    /// </summary>
    private void CheckRecursion(List<Symbol> symbols)
    {
        var finite = new HashSet<TypeSymbol>();
        var waiting = new Dictionary<TypeSymbol, int>();          // struct: fields not yet known finite
        var dependents = new Dictionary<TypeSymbol, List<TypeSymbol>>();
        var queue = new Queue<TypeSymbol>();
        foreach (Symbol symbol in symbols)
        {
            switch (symbol)
            {
                case StructSymbol s:
                    int blocked = 0;
                    foreach (FieldSymbol field in s.Fields)
                    {
                        if (ByValue(field.Type) is TypeSymbol dependency)
                        {
                            blocked++;
                            Depend(dependents, dependency, s);
                        }
                    }
                    waiting[s] = blocked;
                    if (blocked == 0)
                    {
                        queue.Enqueue(s);
                    }
                    break;
                case UnionSymbol u:
                    bool free = u.Arms.Count == 0 && u.Default is null;
                    foreach (UnionArmSymbol arm in AllArmsOf(u))
                    {
                        if (arm.Body is null || ByValue(arm.Body.Type) is not TypeSymbol dependency)
                        {
                            free = true;
                        }
                        else
                        {
                            Depend(dependents, dependency, u);
                        }
                    }
                    if (free)
                    {
                        queue.Enqueue(u);
                    }
                    break;
                case TypeSymbol other:
                    queue.Enqueue(other);
                    break;
            }
        }
        while (queue.Count > 0)
        {
            TypeSymbol type = queue.Dequeue();
            if (!finite.Add(type) || !dependents.TryGetValue(type, out List<TypeSymbol>? users))
            {
                continue;
            }
            foreach (TypeSymbol user in users)
            {
                if (user is StructSymbol)
                {
                    if (--waiting[user] == 0)
                    {
                        queue.Enqueue(user);
                    }
                }
                else
                {
                    queue.Enqueue(user); // a union needs one finite arm
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

    private static void Depend(Dictionary<TypeSymbol, List<TypeSymbol>> dependents, TypeSymbol dependency, TypeSymbol user)
    {
        if (!dependents.TryGetValue(dependency, out List<TypeSymbol>? list))
        {
            dependents[dependency] = list = new List<TypeSymbol>();
        }
        list.Add(user); // once per field, so a struct's count goes down once per field
    }

    private static IEnumerable<UnionArmSymbol> AllArmsOf(UnionSymbol u)
    {
        foreach (UnionArmSymbol arm in u.Arms)
        {
            yield return arm;
        }
        if (u.Default is not null)
        {
            yield return u.Default;
        }
    }

    /// <summary>The struct or union a value of <paramref name="type"/> must contain, if any.</summary>
    private static TypeSymbol? ByValue(XdrType type) => type switch
    {
        NamedType { Symbol: StructSymbol or UnionSymbol } n => n.Symbol,
        ArrayType { IsFixed: true } a when a.Size > 0 => ByValue(a.Element),
        _ => null,
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
