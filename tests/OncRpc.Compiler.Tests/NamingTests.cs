using OncRpc.Compiler.Emit;

namespace OncRpc.Compiler.Tests;

public sealed class NamingTests
{
    [Theory]
    [InlineData("LOG_PROG", "LogProg")]
    [InlineData("nfs_fh3", "NfsFh3")]
    [InlineData("READ3resok", "Read3Resok")]
    [InlineData("NFS3ERR_NOENT", "Nfs3ErrNoent")]
    [InlineData("camelCase", "CamelCase")]
    [InlineData("_private", "Private")]
    [InlineData("x", "X")]
    public void Pascal_case(string input, string expected) => Assert.Equal(expected, Naming.Pascal(input));

    [Fact]
    public void Keywords_are_escaped() => Assert.Equal("@string", Naming.Escape(Naming.Camel("STRING")));

    [Fact]
    public void Collisions_are_resolved_in_definition_order()
    {
        var result = Compile.X("struct FOO { int a; }; struct foo { int b; }; struct Foo { int c; };");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("public sealed partial class Foo ", result.GeneratedCode);
        Assert.Contains("public sealed partial class Foo2 ", result.GeneratedCode);
        Assert.Contains("public sealed partial class Foo3 ", result.GeneratedCode);
        Assert.Contains("XdrName = \"foo\"", result.GeneratedCode);
    }

    [Fact]
    public void Member_names_never_clash_with_the_class_or_its_methods()
    {
        var result = Compile.X("struct equals { int equals; int write_to; int xdr_name; int class; };");
        Assert.True(result.Success);
        Assert.Empty(Compile.Problems(Compile.CSharp([("a.cs", result.GeneratedCode!)])));
    }
}
