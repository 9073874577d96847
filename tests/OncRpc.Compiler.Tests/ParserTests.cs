using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Tests;

/// <summary>Snippet -> syntax tree.</summary>
public sealed class ParserTests
{
    private static SpecificationSyntax Parse(string text)
    {
        SpecificationSyntax syntax = XdrCompiler.Parse("/t/a.x", text, new XdrCompilerOptions(), out var diagnostics);
        Assert.Empty(diagnostics);
        return syntax;
    }

    [Fact]
    public void Constants_take_hex_octal_negative_and_names()
    {
        var defs = Parse("const A = 0x1F; const B = 017; const C = -5; const D = A;").Definitions.Cast<ConstSyntax>().ToList();
        Assert.Equal([31L, 15L, -5L], defs.Take(3).Select(d => d.Value.Literal!.Value));
        Assert.Equal("A", defs[3].Value.Name);
    }

    [Fact]
    public void Struct_declarations_of_every_shape()
    {
        var s = (StructSyntax)Parse("struct s { int a; unsigned b; opaque c[4]; opaque d<>; string e<10>; int f[2]; int g<N>; s *next; hyper h; unsigned hyper i; };").Definitions[0];
        Assert.Equal(
            [DeclarationKind.Plain, DeclarationKind.Plain, DeclarationKind.FixedArray, DeclarationKind.VariableArray, DeclarationKind.VariableArray,
             DeclarationKind.FixedArray, DeclarationKind.VariableArray, DeclarationKind.Optional, DeclarationKind.Plain, DeclarationKind.Plain],
            s.Fields.Select(f => f.Kind));
        Assert.Equal(TypeKind.UnsignedInt, s.Fields[1].Type!.Kind);
        Assert.Null(s.Fields[3].Size);
        Assert.Equal("N", s.Fields[6].Size!.Name);
        Assert.Equal(TypeKind.UnsignedHyper, s.Fields[9].Type!.Kind);
    }

    [Fact]
    public void Union_with_shared_arms_default_and_void()
    {
        var u = (UnionSyntax)Parse("union u switch (int k) { case 1: case 2: int a; case 3: void; default: string m<>; };").Definitions[0];
        Assert.Equal(2, u.Arms[0].Labels.Count);
        Assert.Equal(DeclarationKind.Void, u.Arms[1].Body.Kind);
        Assert.NotNull(u.Default);
        Assert.Equal("k", u.Discriminant.Name);
    }

    [Fact]
    public void Program_with_multiple_arguments_and_void()
    {
        var p = (ProgramSyntax)Parse("program P { version V { void NUL(void) = 0; int ADD(int, int) = 1; string NAME(struct s) = 2; } = 1; } = 0x20000001;").Definitions[0];
        ProcedureSyntax[] procs = [.. p.Versions[0].Procedures];
        Assert.Empty(procs[0].Arguments);
        Assert.Null(procs[0].Result);
        Assert.Equal(2, procs[1].Arguments.Count);
        Assert.Equal("s", procs[2].Arguments[0].Name);
        Assert.Equal(0x20000001L, p.Number.Literal);
    }

    [Fact]
    public void Enum_values_may_be_omitted_and_trailing_comma_is_accepted()
    {
        var e = (EnumSyntax)Parse("enum e { A, B = 5, C, };").Definitions[0];
        Assert.Equal(["A", "B", "C"], e.Members.Select(m => m.Name));
        Assert.Null(e.Members[0].Value);
    }

    [Fact]
    public void Inline_anonymous_types_get_names()
    {
        var defs = Parse("typedef struct { int a; } t; struct o { union switch (bool b) { case TRUE: int x; case FALSE: void; } u; };").Definitions;
        Assert.Contains(defs, d => d is StructSyntax { Name: "t" });
        Assert.Contains(defs, d => d is UnionSyntax { Name: "o_u" });
    }

    [Fact]
    public void Syntax_errors_are_located_and_recovery_continues()
    {
        var errors = Compile.Errors("struct a { int x }; \nstruct b { int y; };\nstruct c { int; };\n");
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal("ONCRPC1101", e.Id));
        Assert.Equal(1, errors[0].Location.Line);
        Assert.Equal(17, errors[0].Location.Column); // the missing ';' belongs right after "x"
        Assert.Equal(3, errors[1].Location.Line);
    }

    [Fact]
    public void Diagnostics_format_like_msbuild()
    {
        var error = Compile.Errors("const A = ;")[0];
        Assert.Equal("/test/input.x(1,11): error ONCRPC1101: expected a constant (number or name), found ';'", error.ToString());
    }
}
