using OncRpc.Compiler.Semantics;

namespace OncRpc.Compiler.Tests;

/// <summary>Snippet -> checked model.</summary>
public sealed class SemanticTests
{
    private static SemanticModel Model(string text)
    {
        XdrCompilationResult result = Compile.X(text);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return result.Model!;
    }

    [Fact]
    public void Enum_values_default_to_previous_plus_one_and_may_name_constants()
    {
        var e = Model("const BASE = 10; enum e { A, B = BASE, C, D = -1 };").Symbols.OfType<EnumSymbol>().Single();
        Assert.Equal([0, 10, 11, -1], e.Members.Select(m => m.Value));
    }

    [Fact]
    public void Typedefs_are_inlined_with_their_sizes()
    {
        var s = Model("typedef string name<16>; typedef name names<4>; typedef struct p *pp; struct p { int x; }; struct s { names n; pp link; };")
            .Symbols.OfType<StructSymbol>().Single(x => x.Name == "s");
        var array = Assert.IsType<ArrayType>(s.Fields[0].Type);
        Assert.Equal(4u, array.Size);
        Assert.Equal(16u, Assert.IsType<StringType>(array.Element).Max);
        var optional = Assert.IsType<OptionalType>(s.Fields[1].Type);
        Assert.Equal("p", Assert.IsType<NamedType>(optional.Element).Symbol.Name);
    }

    [Fact]
    public void Union_labels_resolve_to_values_and_member_names()
    {
        var u = Model("enum k { X = 1, Y = 2, Z = 3 }; union u switch (k d) { case X: case Z: int a; case Y: void; default: bool b; };")
            .Symbols.OfType<UnionSymbol>().Single();
        Assert.Equal([1L, 3L], u.Arms[0].Labels.Select(l => l.Value));
        Assert.Equal("Z", u.Arms[0].Labels[1].MemberName);
        Assert.Null(u.Arms[1].Body);
        Assert.NotNull(u.Default);
    }

    [Fact]
    public void Recursion_through_an_optional_or_a_void_arm_is_fine()
    {
        Model("struct node { int v; node *next; };");
        Model("struct tree { tree children<>; };");
        Model("union list switch (bool more) { case TRUE: item i; case FALSE: void; }; struct item { int v; list rest; };");
    }

    [Fact]
    public void Programs_versions_and_procedures_are_numbered()
    {
        var p = Model("const V2 = 2; program P { version A { void X(void) = 0; } = 1; version B { int Y(int, hyper) = 7; } = V2; } = 0x20000000;")
            .Symbols.OfType<ProgramSymbol>().Single();
        Assert.Equal(0x20000000u, p.Number);
        Assert.Equal([1u, 2u], p.Versions.Select(v => v.Number));
        ProcedureSymbol y = p.Versions[1].Procedures[0];
        Assert.Equal(7u, y.Number);
        Assert.Equal(2, y.Arguments.Count);
        Assert.Same(PrimitiveType.Int, y.Result);
    }

    [Fact]
    public void Minimum_sizes_drive_the_allocation_checks()
    {
        var result = Compile.X("struct p { hyper a; int b; }; struct s { p items<>; opaque raw[5]; };");
        Assert.True(result.Success);
        Assert.Contains("reader.ReadArrayLength(uint.MaxValue, 12)", result.GeneratedCode);
        Assert.Equal(8, result.Model!.Symbols.OfType<StructSymbol>().Single(x => x.Name == "s").Fields[1].Type.MinimumSize);
    }
}
