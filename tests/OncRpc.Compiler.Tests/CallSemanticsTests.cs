using OncRpc.Compiler.Semantics;
using OncRpc.Compiler.Syntax;

namespace OncRpc.Compiler.Tests;

/// <summary>Call-semantics comments: where they count, where they do not, and the errors they can cause.</summary>
public sealed class CallSemanticsTests
{
    /// <summary>The semantics the parser attached to each procedure of the file's only program, by name.</summary>
    private static Dictionary<string, CallSemantics?> Parsed(string text)
    {
        SpecificationSyntax syntax = XdrCompiler.Parse("/t/a.x", text, new XdrCompilerOptions(), out var diagnostics);
        Assert.Empty(diagnostics);
        return syntax.Definitions.OfType<ProgramSyntax>().Single().Versions
            .SelectMany(v => v.Procedures)
            .ToDictionary(p => p.Name, p => p.Semantics?.Semantics);
    }

    private static string Program(string procedures) =>
        "program P {\n    version V {\n" + procedures + "\n    } = 1;\n} = 0x20000001;\n";

    [Theory]
    [InlineData("/* at-most-once */", CallSemantics.AtMostOnce)]
    [InlineData("/* AT-MOST-ONCE */", CallSemantics.AtMostOnce)]
    [InlineData("/*at-most-once*/", CallSemantics.AtMostOnce)]
    [InlineData("// at-most-once", CallSemantics.AtMostOnce)]
    [InlineData("/* idempotent */", CallSemantics.AtLeastOnce)]
    [InlineData("/* Idempotent */", CallSemantics.AtLeastOnce)]
    [InlineData("/* at-least-once */", CallSemantics.AtLeastOnce)]
    [InlineData("/* maybe */", CallSemantics.Maybe)]
    [InlineData("/* one-way */", CallSemantics.Maybe)]
    [InlineData("/*\toneway\t*/", CallSemantics.Maybe)]
    public void Keyword_after_the_procedure_on_its_line_declares_it(string comment, CallSemantics expected)
    {
        var procedures = Parsed(Program("        void A(int) = 1;   " + comment + "\n        void B(int) = 2;"));
        Assert.Equal(expected, procedures["A"]);
        Assert.Null(procedures["B"]);
    }

    [Fact]
    public void Bank_x_declares_its_three_procedures_as_the_issue_says()
    {
        XdrCompilationResult result = Compile.File(TestPaths.X("bank.x"), "Semantics.Bank");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var procedures = result.Model!.Symbols.OfType<ProgramSymbol>().Single().Versions.Single().Procedures.ToDictionary(p => p.Name);
        Assert.Equal(CallSemantics.AtMostOnce, procedures["DEPOSIT"].DeclaredSemantics);
        Assert.Equal(CallSemantics.AtMostOnce, procedures["WITHDRAW"].DeclaredSemantics);
        Assert.Equal(CallSemantics.AtLeastOnce, procedures["BALANCE"].DeclaredSemantics);
    }

    [Theory]
    [InlineData("        /* at-most-once */\n        void A(int) = 1;")]
    [InlineData("        /*\n         at-most-once\n        */\n        void A(int) = 1;")]
    [InlineData("        // at-most-once\n\n        void A(int) = 1;")]
    [InlineData("        /* Adds to the account. */\n        /* at-most-once */\n        void A(int) = 1;")]
    [InlineData("        /* at-most-once */ void A(int) = 1;")]
    public void Keyword_standing_before_the_procedure_declares_it(string procedures) =>
        Assert.Equal(CallSemantics.AtMostOnce, Parsed(Program(procedures))["A"]);

    [Fact]
    public void A_trailing_keyword_belongs_to_its_line_not_to_the_next_procedure()
    {
        var procedures = Parsed(Program("        void A(int) = 1; /* at-most-once */\n        void B(int) = 2;\n        void C(int) = 3; /* maybe */ void D(int) = 4;"));
        Assert.Equal(CallSemantics.AtMostOnce, procedures["A"]);
        Assert.Null(procedures["B"]);
        Assert.Equal(CallSemantics.Maybe, procedures["C"]);
        Assert.Null(procedures["D"]);
    }

    [Theory]
    [InlineData("        void A(int) /* maybe */ = 1;")] // inside the procedure
    [InlineData("        void /* maybe */ A(int) = 1;")]
    [InlineData("        void A(int) = 1; /* at most once */")] // prose, not the keyword
    [InlineData("        void A(int) = 1; /* at-most-once, see RFC 5531 */")]
    [InlineData("        void A(int) = 1; /* * at-most-once */")]
    [InlineData("        /* at-most-once */\n#ifdef NEVER\n        void X(int) = 9;\n#endif\n        void A(int) = 1;")] // a directive between
    [InlineData("%/* at-most-once */\n        void A(int) = 1;")] // a pass-through line
    [InlineData("#ifdef NEVER\n        /* at-most-once */\n#endif\n        void A(int) = 1;")] // an excluded line
    public void Keyword_elsewhere_declares_nothing(string procedures) =>
        Assert.Null(Parsed(Program(procedures))["A"]);

    [Fact]
    public void Keyword_after_the_version_brace_or_on_other_definitions_declares_nothing()
    {
        const string text = """
            struct s { int a; /* at-most-once */ };  /* maybe */
            program P { /* at-most-once */
                version V { /* at-most-once */
                    void A(int) = 1;
                } = 1; /* maybe */
            } = 0x20000001; /* idempotent */
            """;
        Assert.Null(Parsed(text)["A"]);
    }

    [Fact]
    public void Semantics_reach_the_model_and_undeclared_procedures_stay_at_least_once()
    {
        XdrCompilationResult result = Compile.X(Program("        void A(int) = 1; /* maybe */\n        int B(int) = 2;"));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var procedures = result.Model!.Symbols.OfType<ProgramSymbol>().Single().Versions.Single().Procedures;
        Assert.Equal(CallSemantics.Maybe, procedures[0].Semantics);
        Assert.Null(procedures[1].DeclaredSemantics);
        Assert.Equal(CallSemantics.AtLeastOnce, procedures[1].Semantics);
    }

    [Theory]
    [InlineData("maybe")]
    [InlineData("one-way")]
    [InlineData("oneway")]
    public void One_way_procedure_with_a_result_is_an_error_at_the_comment(string keyword)
    {
        XdrCompilationResult result = Compile.X(Program("        int A(int) = 1;  /* " + keyword + " */"));
        Assert.False(result.Success);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal("ONCRPC1215", error.Id);
        Assert.Equal(3, error.Location.Line);
        Assert.Equal(26, error.Location.Column);
        Assert.Equal("procedure 'A' is declared '" + keyword + "' (one-way: the server sends no reply), so its result must be void", error.Message);
    }

    [Fact]
    public void One_way_procedure_with_void_result_and_arguments_is_fine()
    {
        XdrCompilationResult result = Compile.X(Program("        void A(int, string) = 1;  /* maybe */\n        void B(void) = 2;  /* oneway */"));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    [Theory]
    [InlineData("        /* idempotent */\n        void A(int) = 1; /* at-most-once */", 4)]
    [InlineData("        void A(int) = 1; /* at-most-once */ /* at-most-once */", 3)]
    [InlineData("        /* maybe */\n        /* maybe */\n        void A(int) = 1;", 4)]
    public void Semantics_declared_twice_is_an_error_at_the_second(string procedures, int line)
    {
        XdrCompilationResult result = Compile.X(Program(procedures));
        Assert.False(result.Success);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal("ONCRPC1104", error.Id);
        Assert.Equal(line, error.Location.Line);
    }

    [Fact]
    public void Macros_and_includes_keep_the_comment_next_to_its_procedure()
    {
        var resolver = new Lexing.InMemorySourceResolver(new Dictionary<string, string>
        {
            ["/p/procs.x"] = "program P { version V {\n  RESULT A(int) = 1; /* at-most-once */\n  void B(int) = 2;\n} = 1; } = 0x20000001;\n",
        });
        XdrCompilationResult result = Compile.X("/* maybe */\n#define RESULT int\n#include \"procs.x\"\n", "/p/main.x", o => o.SourceResolver = resolver);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var procedures = result.Model!.Symbols.OfType<ProgramSymbol>().Single().Versions.Single().Procedures;
        Assert.Equal(CallSemantics.AtMostOnce, procedures[0].DeclaredSemantics);
        Assert.Null(procedures[1].DeclaredSemantics);
    }

    [Fact]
    public void Rpcgen_accepts_every_annotated_form()
    {
        if (!File.Exists("/usr/bin/rpcgen"))
        {
            const string message = "rpcgen missing (apt-get install rpcsvc-proto)";
            Assert.False(TestPaths.RequirePeers, message);
            Assert.Skip(message);
        }
        // Every form this compiler reads, in one file; "//" comments are left out: rpcgen rejects them anywhere.
        string forms = Program("""
                    /* at-most-once */
                    int A(int) = 1;
                    /*
                     at-least-once
                    */
                    int B(int) = 2;
                    void C(string) = 3;  /* maybe */
                    void D(void) = 4;    /* ONE-WAY */ void E(void) = 5;
            """);
        Assert.True(Compile.X(forms).Success);
        string dir = Path.Combine(Path.GetTempPath(), "oncrpc-semantics-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(TestPaths.X("bank.x"), Path.Combine(dir, "bank.x"));
            File.WriteAllText(Path.Combine(dir, "forms.x"), forms);
            CInteropTests.Run(dir, "rpcgen", "-N -h -o bank.h bank.x");
            CInteropTests.Run(dir, "rpcgen", "-N -h -o forms.h forms.x");
            Assert.Contains("#define DEPOSIT 1", File.ReadAllText(Path.Combine(dir, "bank.h")));
            Assert.Contains("#define E 5", File.ReadAllText(Path.Combine(dir, "forms.h")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
