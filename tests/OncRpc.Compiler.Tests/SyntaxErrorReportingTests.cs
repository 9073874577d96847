namespace OncRpc.Compiler.Tests;

/// <summary>Syntax errors are reported where a reader looks for them, once: a missing ';' at the
/// end of the token it should follow, and no "not defined" errors for a definition that failed to
/// parse.</summary>
public sealed class SyntaxErrorReportingTests
{
    [Fact]
    public void A_missing_semicolon_is_reported_after_the_previous_token()
    {
        XdrCompilationResult result = Compile.X("struct point {\n  int x;\n  int y\n};\n", "/p/point.x");
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal("/p/point.x(3,8): error ONCRPC1101: expected ';' after 'y', found '}'", error.ToString());
    }

    [Fact]
    public void A_missing_semicolon_after_a_definition_points_at_its_end()
    {
        XdrCompilationResult result = Compile.X("const A = 1\nstruct s { int a; };\n", "/p/c.x");
        Assert.Equal("/p/c.x(1,12): error ONCRPC1101: expected ';' after '1', found 'struct'", Assert.Single(result.Diagnostics).ToString());
    }

    [Fact]
    public void A_broken_definition_does_not_cascade_into_undefined_names()
    {
        XdrCompilationResult result = Compile.X("""
            struct point { int x; int y };
            struct line { point a; point b; };
            const MAX = ;
            typedef int bounded<MAX>;
            program P { version V { line GET(point) = 1; } = 1; } = 0x20000001;
            """);
        Assert.All(result.Diagnostics, d => Assert.Equal("ONCRPC1101", d.Id));
        Assert.Equal(2, result.Diagnostics.Count);
    }

    [Fact]
    public void Genuinely_undefined_names_are_still_reported()
    {
        XdrCompilationResult result = Compile.X("struct broken { int a };\nstruct s { missing m; };\n");
        Assert.Contains(result.Diagnostics, d => d.Id == "ONCRPC1101");
        Assert.Contains(result.Diagnostics, d => d.Id == "ONCRPC1201" && d.Message.Contains("'missing'", StringComparison.Ordinal));
    }
}
