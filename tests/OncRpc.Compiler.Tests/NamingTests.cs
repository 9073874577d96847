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

    [Fact]
    public void Sync_client_methods_that_clash_with_members_or_async_names_get_a_suffix()
    {
        var result = Compile.X("""
            program T_PROG {
                version T_VERS {
                    int RPC_CLIENT(int) = 1;
                    int FOO(int) = 2;
                    int FOO_ASYNC(int) = 3;
                    void EQUALS(void) = 4;
                } = 1;
            } = 0x20000099;
            """);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        string code = result.GeneratedCode!;
        // Async names are claimed first and stay as they were; the sync twins take what is left.
        Assert.Contains(" RpcClientAsync(int arg,", code);
        Assert.Contains(" FooAsync(int arg,", code);
        Assert.Contains(" FooAsyncAsync(int arg,", code);
        Assert.Contains("public int RpcClient2(int arg,", code);
        Assert.Contains("public int Foo(int arg,", code);
        Assert.Contains("public int FooAsync2(int arg,", code);
        Assert.Contains("public void Equals2(", code);
        Assert.Contains("int RpcClient2(int arg, global::System.Threading.CancellationToken cancellationToken = default);", code);
        Assert.Empty(Compile.Problems(Compile.CSharp([("a.cs", code)])));
    }
}
