using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Lexing;

namespace OncRpc.Compiler.Tests;

/// <summary>Each diagnostic id, from the smallest input that shows it; and the preprocessor.</summary>
public sealed class DiagnosticTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "ONCRPC1001", "struct s { int a; } $;" },
        { "ONCRPC1002", "const A = 1; /* never closed" },
        { "ONCRPC1003", "const A = 0x;" },
        { "ONCRPC1003", "const A = 99999999999999999999999;" },
        { "ONCRPC1004", "#frobnicate\nconst A = 1;" },
        { "ONCRPC1005", "#include \"missing.x\"\nconst A = 1;" },
        { "ONCRPC1007", "#ifdef X\nconst A = 1;" },
        { "ONCRPC1007", "#endif\nconst A = 1;" },
        { "ONCRPC1008", "#if 1 +\n#endif\nconst A = 1;" },
        { "ONCRPC1008", "#if 1 / 0\n#endif\nconst A = 1;" },
        { "ONCRPC1009", "#define F(x) x\nconst A = 1;" },
        { "ONCRPC1010", "#error stop here\nconst A = 1;" },
        { "ONCRPC1101", "struct s { int a }" },
        { "ONCRPC1102", "struct s { " + string.Concat(Enumerable.Repeat("struct { ", 100)) + "int a;" },
        { "ONCRPC1103", "struct s { string name; };" },
        { "ONCRPC1103", "struct s { opaque data; };" },
        { "ONCRPC1104", "program P { version V {\n/* maybe */\nvoid A(void) = 1; /* oneway */\n} = 1; } = 1;" },
        { "ONCRPC1201", "struct s { missing m; };" },
        { "ONCRPC1202", "struct s { int a<MISSING>; };" },
        { "ONCRPC1203", "struct s { int a; }; struct s { int b; };" },
        { "ONCRPC1203", "const A = 1; enum e { A = 2 };" },
        { "ONCRPC1203", "struct s { int a; int a; };" },
        { "ONCRPC1204", "struct s { int a<-1>; };" },
        { "ONCRPC1204", "struct s { opaque a[4294967296]; };" },
        { "ONCRPC1205", "union u switch (hyper h) { case 1: int a; };" },
        { "ONCRPC1205", "struct t { int a; }; union u switch (t d) { case 1: int a; };" },
        { "ONCRPC1206", "enum e { A = 1 }; enum f { B = 1 }; union u switch (e d) { case B: int a; };" },
        { "ONCRPC1206", "union u switch (bool b) { case 2: int a; };" },
        { "ONCRPC1206", "union u switch (unsigned int k) { case -1: int a; };" },
        { "ONCRPC1207", "union u switch (int k) { case 1: int a; case 1: int b; };" },
        { "ONCRPC1208", "struct s { s inner; };" },
        { "ONCRPC1208", "struct a { b x; }; struct b { a y; };" },
        { "ONCRPC1208", "struct a { u x; }; union u switch (int k) { case 1: a y; };" },
        { "ONCRPC1209", "struct s { void; };" },
        { "ONCRPC1210", "program P { version V { void A(void) = 1; void B(void) = 1; } = 1; } = 1;" },
        { "ONCRPC1210", "program P { version V { void A(void) = 1; } = 1; version W { void A(void) = 1; } = 1; } = 1;" },
        { "ONCRPC1210", "program P { version V { void A(void) = 1; } = 1; } = 1; program Q { version W { void B(void) = 1; } = 1; } = 1;" },
        { "ONCRPC1211", "const A = B; const B = A;" },
        { "ONCRPC1212", "enum e { A = 4294967296 };" },
        { "ONCRPC1212", "program P { version V { void A(void) = -1; } = 1; } = 1;" },
        { "ONCRPC1213", "struct s { int a; }; struct t { int b<s>; };" },
        { "ONCRPC1213", "const A = 1; struct t { A b; };" },
        { "ONCRPC1214", "typedef int *ip; struct s { ip *p; };" },
        { "ONCRPC1215", "program P { version V {\nint A(void) = 1; /* maybe */\n} = 1; } = 1;" },
        { "ONCRPC1301", "typedef int a0<>;\n" + string.Concat(Enumerable.Range(1, 40).Select(i => $"typedef a{i - 1} a{i}<>;\n")) + "struct s { a40 x; };" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports(string id, string text)
    {
        XdrCompilationResult result = Compile.X(text);
        Assert.False(result.Success);
        Assert.Null(result.GeneratedCode);
        Assert.Contains(result.Diagnostics, d => d.Id == id);
        Assert.All(result.Diagnostics, d => Assert.StartsWith("ONCRPC1", d.Id, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("My.2nd")]
    [InlineData("My..Name")]
    [InlineData("class")]
    [InlineData("A-B")]
    public void Invalid_namespace_is_reported_not_generated(string ns)
    {
        var result = Compile.X("const A = 1;", configure: o => o.Namespace = ns);
        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Id == "ONCRPC1303");
    }

    [Fact]
    public void Include_cycle_is_reported()
    {
        var resolver = new InMemorySourceResolver(new Dictionary<string, string>
        {
            ["/p/a.x"] = "#include \"b.x\"\nconst A = 1;",
            ["/p/b.x"] = "#include \"a.x\"\nconst B = 2;",
        });
        var result = Compile.X("#include \"a.x\"\n", "/p/main.x", o => o.SourceResolver = resolver);
        Assert.Contains(result.Diagnostics, d => d.Id == "ONCRPC1006");
    }

    [Fact]
    public void Includes_resolve_relative_to_the_file_then_include_directories()
    {
        var resolver = new InMemorySourceResolver(new Dictionary<string, string>
        {
            ["/p/sub/a.x"] = "#include \"b.x\"\nconst A = B + 0;",
            ["/p/sub/b.x"] = "const B = 2;",
            ["/inc/c.x"] = "const C = 3;",
        });
        var result = Compile.X("#include \"sub/a.x\"\n#include <c.x>\nstruct s { int x<C>; };", "/p/main.x", o =>
        {
            o.SourceResolver = resolver;
            o.IncludeDirectories.Add("/inc");
        });
        // "B + 0" is not .x syntax: only the include graph is under test here.
        Assert.DoesNotContain(result.Diagnostics, d => d.Id is "ONCRPC1005" or "ONCRPC1006");
    }

    [Fact]
    public void Conditionals_defines_and_command_line_symbols()
    {
        const string text = """
            #define SIZE 8
            #if defined(FEATURE) && SIZE > 4
            const PICKED = 1;
            #elif defined FEATURE
            const PICKED = 2;
            #else
            const PICKED = 3;
            #endif
            #ifndef FEATURE
            const NOT_FEATURE = 1;
            #endif
            #undef SIZE
            #ifdef SIZE
            const SIZE_LEFT = 1;
            #endif
            struct s { int a[SIZE_OR]; };
            """;
        var with = Compile.X(text.Replace("SIZE_OR", "PICKED"), configure: o => o.Defines["FEATURE"] = null);
        Assert.True(with.Success, string.Join("\n", with.Diagnostics));
        Assert.Contains("public const int Picked = 1;", with.GeneratedCode);
        Assert.DoesNotContain("NotFeature", with.GeneratedCode);
        Assert.DoesNotContain("SizeLeft", with.GeneratedCode);
        var without = Compile.X(text.Replace("SIZE_OR", "PICKED"));
        Assert.Contains("public const int Picked = 3;", without.GeneratedCode);
        Assert.Contains("NotFeature", without.GeneratedCode);
    }

    [Fact]
    public void Pass_through_lines_are_ignored_but_their_defines_give_sizes()
    {
        var result = Compile.X("%#define LEN 4+1\n%int c_code(void);\nstruct s { string a<LEN>; };");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("reader.ReadString(5u)", result.GeneratedCode);
    }

    [Fact]
    public void Every_descriptor_has_a_documentation_page()
    {
        foreach (DiagnosticDescriptor descriptor in DiagnosticDescriptors.All)
        {
            string page = Path.Combine(TestPaths.RepositoryRoot, "docs", "diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(page), "missing " + page);
        }
        Assert.Equal(DiagnosticDescriptors.All.Count, DiagnosticDescriptors.All.Select(d => d.Id).Distinct().Count());
    }
}
