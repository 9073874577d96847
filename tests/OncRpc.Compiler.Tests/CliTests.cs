using System.Text;

namespace OncRpc.Compiler.Tests;

/// <summary><c>oncrpc gen</c>: the command's own source, parsed and invoked as the tool does.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CliTests
{
    private static (int Exit, string Stdout, string Stderr) RunTool(params string[] args)
    {
        TextWriter savedOut = Console.Out, savedError = Console.Error;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var root = new System.CommandLine.RootCommand("oncrpc");
            root.Subcommands.Add(OncRpc.Tool.Commands.GenCommand.Create());
            int exit = root.Parse(args).Invoke();
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
        }
    }

    [Theory]
    [InlineData("nfs3_prot.x", "client,server", "Client;Server")]
    [InlineData("rpcb_prot.x", "client", "Client")]
    [InlineData("allconstructs.x", "server", "Server")]
    [InlineData("bank.x", "client,server", "Client;Server")]
    public void Cli_writes_the_same_bytes_as_the_generator(string file, string cliServices, string itemServices)
    {
        string path = TestPaths.X(file);
        string output = Path.Combine(Path.GetTempPath(), "oncrpc-gen-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exit, _, stderr) = RunTool("gen", path, "-o", output, "--namespace", "Same.Bytes", "--services", cliServices);
            Assert.True(exit == 0, stderr);
            byte[] cli = File.ReadAllBytes(Path.Combine(output, Path.GetFileNameWithoutExtension(file) + ".g.cs"));

            var (driver, _) = GeneratorTests.Run([(path, File.ReadAllText(path), GeneratorTests.ItemMetadata("Same.Bytes", itemServices))]);
            var generated = Assert.Single(driver.GetRunResult().Results[0].GeneratedSources);
            byte[] fromGenerator = new UTF8Encoding(false).GetBytes(generated.SourceText.ToString());
            Assert.Equal(fromGenerator, cli);
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    [Fact]
    public void Cli_reports_errors_in_msbuild_format_and_fails()
    {
        string dir = Path.Combine(Path.GetTempPath(), "oncrpc-gen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string bad = Path.Combine(dir, "bad.x");
            File.WriteAllText(bad, "struct s {\n  missing m;\n};\n");
            var (exit, _, stderr) = RunTool("gen", bad, "-o", Path.Combine(dir, "out"), "-D", "X=1", "-I", dir);
            Assert.Equal(1, exit);
            Assert.Contains(bad + "(2,3): error ONCRPC1201: type 'missing' is not defined", stderr);
            Assert.False(Directory.Exists(Path.Combine(dir, "out")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Cli_passes_defines_and_include_directories()
    {
        string dir = Path.Combine(Path.GetTempPath(), "oncrpc-gen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "inc"));
        try
        {
            File.WriteAllText(Path.Combine(dir, "inc", "sizes.x"), "const LEN = 7;\n");
            string main = Path.Combine(dir, "main.x");
            File.WriteAllText(main, "#include <sizes.x>\n#ifdef WIDE\nstruct s { string a<LEN>; };\n#endif\n");
            var (exit, _, stderr) = RunTool("gen", main, "-o", dir, "-D", "WIDE", "-I", Path.Combine(dir, "inc"), "-n", "My.Ns");
            Assert.True(exit == 0, stderr);
            string code = File.ReadAllText(Path.Combine(dir, "main.g.cs"));
            Assert.Contains("namespace My.Ns;", code);
            Assert.Contains("reader.ReadString(7u)", code);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Cli_compiles_several_files_together_with_extern_types_as_the_generator_does()
    {
        string dir = Path.Combine(Path.GetTempPath(), "oncrpc-gen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string common = Path.Combine(dir, "common.x"), user = Path.Combine(dir, "user.x");
            File.WriteAllText(common, "struct common { nis_name n; };\n");
            File.WriteAllText(user, "struct user { common c; };\nprogram U { version U1 { user GET(void) = 1; } = 1; } = 0x20000777;\n");
            // Listed in any order: the output is the same.
            var (exit, stdout, stderr) = RunTool("gen", user, common, "-o", dir, "-n", "Same.Bytes", "--extern", "nis_name=My.NisName");
            Assert.True(exit == 0, stderr);
            Assert.Equal([Path.Combine(dir, "common.g.cs"), Path.Combine(dir, "user.g.cs")], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));

            var metadata = GeneratorTests.ItemMetadata("Same.Bytes");
            metadata["build_metadata.AdditionalFiles.OncRpcExternTypes"] = "nis_name=My.NisName";
            var (driver, _) = GeneratorTests.Run([(common, File.ReadAllText(common), metadata), (user, File.ReadAllText(user), metadata)]);
            var sources = driver.GetRunResult().Results[0].GeneratedSources;
            Assert.Equal(2, sources.Length);
            foreach (var source in sources)
            {
                Assert.Equal(new UTF8Encoding(false).GetBytes(source.SourceText.ToString()), File.ReadAllBytes(Path.Combine(dir, source.HintName)));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Cli_rejects_a_malformed_extern()
    {
        var (exit, _, stderr) = RunTool("gen", TestPaths.X("bank.x"), "-o", Path.GetTempPath(), "--extern", "nis_name");
        Assert.Equal(2, exit);
        Assert.Contains("--extern: ExternTypes entries are xname=Namespace.Type", stderr);
    }
}

/// <summary>Tests that redirect Console must not run in parallel with each other.</summary>
[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection
{
}
