using OncRpc.Compiler.Semantics;

namespace OncRpc.Compiler.Tests;

/// <summary>Files compiled together: shared definitions, one output each, duplicates across files,
/// errors, and the ExternTypes option for names no .x file defines.</summary>
public sealed class MultiFileTests
{
    private static IReadOnlyList<XdrCompilationResult> Together(params (string Path, string Text, string Namespace)[] files) =>
        XdrCompiler.Compile([.. files.Select(f => new XdrSourceFile(f.Path, f.Text, new XdrCompilerOptions { Namespace = f.Namespace }))]);

    private static string Messages(IEnumerable<XdrCompilationResult> results) =>
        string.Join("\n", results.SelectMany(r => r.Diagnostics));

    [Fact]
    public void Each_file_sees_the_others_and_declares_only_its_own()
    {
        var results = Together(
            ("/p/common.x", "const N = 4; struct point { int x; int y; }; enum color { RED = 1, BLUE = 2 };", "My.Common"),
            ("/p/shapes.x", "struct shape { point corners<N>; color c; }; program SHAPE_PROG { version SHAPE_V1 { shape GET(color) = 1; } = 1; } = 0x20000123;", "My.Shapes"));
        Assert.True(results.All(r => r.Success), Messages(results));
        Assert.Contains("class Point ", results[0].GeneratedCode);
        Assert.DoesNotContain("class Point ", results[1].GeneratedCode);
        Assert.DoesNotContain("class Shape ", results[0].GeneratedCode);
        // Another file's types are referred to in that file's namespace; its sizes are known.
        Assert.Contains("global::My.Common.Point[]", results[1].GeneratedCode);
        Assert.Contains("global::My.Common.ColorXdr.Read(ref reader)", results[1].GeneratedCode);
        Assert.Contains("reader.ReadArrayLength(4u, 8)", results[1].GeneratedCode);
        Assert.Empty(Compile.Problems(Compile.CSharp([("common", results[0].GeneratedCode!), ("shapes", results[1].GeneratedCode!)])));
        Assert.True(results[1].Model!.Declares(results[1].Model!.Symbols.Single(s => s.Name == "shape")));
        Assert.False(results[1].Model!.Declares(results[1].Model!.Symbols.Single(s => s.Name == "point")));
    }

    [Fact]
    public void A_name_defined_in_two_files_is_an_error_naming_both_places()
    {
        var results = Together(("/p/a.x", "struct data { int x; };", "N"), ("/p/b.x", "\nstruct data { hyper y; };", "N"));
        Assert.All(results, r => Assert.Null(r.GeneratedCode));
        Assert.Empty(results[0].Diagnostics);
        Diagnostics.Diagnostic duplicate = Assert.Single(results[1].Diagnostics);
        Assert.Equal("ONCRPC1203", duplicate.Id);
        Assert.Equal("/p/b.x", duplicate.Location.FilePath);
        Assert.Equal(2, duplicate.Location.Line);
        Assert.Contains("/p/a.x(1,", duplicate.Message);
    }

    [Fact]
    public void A_definition_reached_from_two_files_is_one_definition()
    {
        // main.x reads common.x's header (rpcgen's %#include of the .h), and common.x is compiled too.
        var options = new XdrCompilerOptions
        {
            Namespace = "N",
            SourceResolver = new Lexing.InMemorySourceResolver([new("/p/common.x", "struct common { int a; };")]),
        };
        var results = XdrCompiler.Compile([
            new XdrSourceFile("/p/common.x", "struct common { int a; };", options),
            new XdrSourceFile("/p/main.x", "%#include \"common.h\"\nstruct main { common c; };", options),
        ]);
        Assert.True(results.All(r => r.Success), Messages(results));
        Assert.Contains("class Common ", results[0].GeneratedCode);
        Assert.DoesNotContain("class Common ", results[1].GeneratedCode);
        Assert.Empty(Compile.Problems(Compile.CSharp([("c", results[0].GeneratedCode!), ("m", results[1].GeneratedCode!)])));
    }

    [Fact]
    public void An_error_in_one_file_stops_every_output_and_stays_with_its_file()
    {
        var results = Together(("/p/a.x", "struct a { int x; };", "N"), ("/p/b.x", "struct b { a inner; missing m; };", "N"));
        Assert.All(results, r => Assert.False(r.Success));
        Assert.Empty(results[0].Diagnostics);
        Assert.Equal("ONCRPC1201", Assert.Single(results[1].Diagnostics).Id);
    }

    [Fact]
    public void Procedure_version_and_program_names_are_constants_before_and_after_their_definition()
    {
        XdrCompilationResult result = Compile.X("""
            const FIRST = P_B;
            struct t { int table[P_C]; };
            program P { version P_V1 { void P_A(void) = 1; void P_B(void) = 7; } = 2; version P_V2 { void P_C(void) = P_B; } = 3; } = 0x20000001;
            const V = P_V2;
            const PROG = P;
            """);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        long Value(string name) => result.Model!.Symbols.OfType<ConstSymbol>().Single(c => c.Name == name).Value;
        Assert.Equal(7, Value("FIRST"));
        Assert.Equal(3, Value("V"));
        Assert.Equal(0x20000001, Value("PROG"));
        Assert.Equal(7u, result.Model!.Symbols.OfType<ProgramSymbol>().Single().Versions[1].Procedures[0].Number);
        Assert.Contains("const int count0 = 7;", result.GeneratedCode);
    }

    [Fact]
    public void A_procedure_numbered_by_its_own_name_is_a_cycle_reported_once()
    {
        var errors = Compile.Errors("program P { version V { void LOOP(void) = LOOP; void A(void) = B; void B(void) = A; } = 1; } = 1;");
        Assert.All(errors, e => Assert.Equal("ONCRPC1211", e.Id));
        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Message.Contains("'LOOP'", StringComparison.Ordinal));
    }

    [Fact]
    public void Libtirpc_typedefs_are_unsigned_ints()
    {
        XdrCompilationResult result = Compile.X("struct s { rpcprog_t p; rpcvers_t v; rpcproc_t c; rpcprot_t t; rpcport_t o; rpc_inline_t i; };");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var fields = result.Model!.Symbols.OfType<StructSymbol>().Single().Fields;
        Assert.All(fields.Take(5), f => Assert.Same(PrimitiveType.UnsignedInt, f.Type));
        Assert.Same(PrimitiveType.Int, fields[5].Type);
    }

    private const string ExternUser = """
        struct holder {
            nis_name one;
            nis_name *maybe;
            nis_name some<4>;
            nis_name fixed[2];
        };
        program EXT_PROG { version EXT_V1 { nis_name ECHO(nis_name) = 1; holder HOLD(holder) = 2; } = 1; } = 0x20000999;
        """;

    /// <summary>A C# type supplied for nis_name: a class and a struct shape, both IXdrSerializable.</summary>
    private static string ExternSource(bool isStruct) => $$"""
        namespace My.Nis;
        public {{(isStruct ? "readonly record struct" : "sealed record class")}} NisName(string Text) : global::OncRpc.Xdr.IXdrSerializable<NisName>
        {
            public static NisName ReadFrom(ref global::OncRpc.Xdr.XdrReader reader) => new(reader.ReadString(255));
            public void WriteTo(ref global::OncRpc.Xdr.XdrWriter writer) => writer.WriteString(Text, 255);
        }
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Extern_types_are_used_as_given_class_or_struct(bool isStruct)
    {
        XdrCompilationResult result = Compile.X(ExternUser, configure: o => o.ExternTypes["nis_name"] = "My.Nis.NisName");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("global::OncRpc.Xdr.XdrGeneratedCode.Read<global::My.Nis.NisName>(ref reader)", result.GeneratedCode);
        const string probe = """
            public static class Probe
            {
                public static (byte[], object) RoundTrip(Test.Generated.Holder value)
                {
                    byte[] bytes = OncRpc.Xdr.XdrSerializer.ToArray(value);
                    return (bytes, OncRpc.Xdr.XdrSerializer.Deserialize<Test.Generated.Holder>(bytes));
                }
            }
            """;
        var compilation = Compile.CSharp([("gen", result.GeneratedCode!), ("extern", ExternSource(isStruct)), ("probe", probe)]);
        Assert.Empty(Compile.Problems(compilation));
        // Round trip through the generated struct: the extern codec runs inside it.
        var assembly = Compile.Load(compilation);
        Type holder = assembly.GetType("Test.Generated.Holder")!;
        Type name = assembly.GetType("My.Nis.NisName")!;
        object value = Activator.CreateInstance(holder)!;
        object Name(string text) => Activator.CreateInstance(name, text)!;
        holder.GetProperty("One")!.SetValue(value, Name("a.b."));
        var some = Array.CreateInstance(name, 1);
        some.SetValue(Name("c."), 0);
        holder.GetProperty("Some")!.SetValue(value, some);
        var fixedArray = Array.CreateInstance(name, 2);
        fixedArray.SetValue(Name("d."), 0);
        fixedArray.SetValue(Name("e."), 1);
        holder.GetProperty("Fixed")!.SetValue(value, fixedArray);
        var (bytes, back) = ((byte[], object))assembly.GetType("Probe")!.GetMethod("RoundTrip")!.Invoke(null, [value])!;
        // one "a.b." (4 + 4), absent optional (4), count 1 + "c." (4 + 4 + 4), "d." and "e." (8 + 8)
        Assert.Equal(8 + 4 + 12 + 16, bytes.Length);
        Assert.Equal(value, back);
    }

    [Fact]
    public void An_extern_type_that_is_not_an_xdr_value_fails_to_build_in_the_generated_code()
    {
        XdrCompilationResult result = Compile.X("struct holder { nis_name one; };", configure: o => o.ExternTypes["nis_name"] = "My.Nis.NisName");
        Assert.True(result.Success);
        var problems = Compile.Problems(Compile.CSharp([("gen", result.GeneratedCode!), ("extern", "namespace My.Nis; public sealed class NisName { }")]));
        Assert.Contains(problems, p => p.Contains("CS0311", StringComparison.Ordinal) || p.Contains("CS0315", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("nis_name", "My Type", "ExternTypes entries are xname=Namespace.Type")]
    [InlineData("struct", "My.T", "ExternTypes entries are xname=Namespace.Type")]
    [InlineData("holder", "My.T", "'holder' is defined here and also mapped")]
    public void Bad_extern_entries_are_option_errors(string name, string type, string message)
    {
        XdrCompilationResult result = Compile.X("struct holder { int one; };", configure: o => o.ExternTypes[name] = type);
        Assert.False(result.Success);
        Diagnostics.Diagnostic error = Assert.Single(result.Diagnostics);
        Assert.Equal("ONCRPC1303", error.Id);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Files_mapping_one_name_to_two_types_is_an_option_error()
    {
        var a = new XdrCompilerOptions();
        a.ExternTypes["t"] = "My.A";
        var b = new XdrCompilerOptions();
        b.ExternTypes["t"] = "My.B";
        var results = XdrCompiler.Compile([new XdrSourceFile("/p/a.x", "struct a { t x; };", a), new XdrSourceFile("/p/b.x", "struct b { t y; };", b)]);
        Assert.All(results, r => Assert.False(r.Success));
        Assert.Contains("maps 't' to both 'My.A' and 'My.B'", Assert.Single(results[1].Diagnostics).Message);
    }

    [Fact]
    public void Netbuf_is_the_runtimes_NetBuffer_unless_mapped()
    {
        XdrCompilationResult result = Compile.X("program P { version V { string T2U(netbuf) = 1; } = 1; } = 0x20000002;");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("global::OncRpc.Rpcbind.NetBuffer netbuf", result.GeneratedCode);
        Assert.Empty(Compile.Problems(Compile.CSharp([("gen", result.GeneratedCode!)])));
        XdrCompilationResult mapped = Compile.X("struct s { netbuf b; };", configure: o => o.ExternTypes["netbuf"] = "My.Buf");
        Assert.Contains("global::My.Buf B", mapped.GeneratedCode);
    }
}
