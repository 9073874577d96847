extern alias Gen;

using System.Diagnostics;

namespace OncRpc.Compiler.Tests;

/// <summary>
/// The real thing: a throwaway project outside the repository imports build/OncRpc.Generator.props
/// and .targets, lists an OncRpcFile, and a plain `dotnet build` generates and compiles the code;
/// a broken .x fails the build with the error at its line. The analyzer is the generator DLL this
/// test project was built with, so nothing in the repository is rebuilt.
/// </summary>
public sealed class MsBuildTests
{
    private static (int Exit, string Output) DotnetBuild(string directory)
    {
        var start = new ProcessStartInfo("dotnet", "build --nologo -v q -p:UseSharedCompilation=false")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(600_000), "dotnet build timed out");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void Plain_dotnet_build_generates_from_OncRpcFile_items()
    {
        string build = Path.Combine(TestPaths.RepositoryRoot, "src", "OncRpc.Generator", "build");
        string analyzer = typeof(Gen::OncRpc.Generator.OncRpcGenerator).Assembly.Location;
        string xdr = typeof(OncRpc.Xdr.XdrReader).Assembly.Location;
        string dir = Path.Combine(Path.GetTempPath(), "oncrpc-msbuild-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(TestPaths.X("allconstructs.x"), Path.Combine(dir, "allconstructs.x"));
            File.WriteAllText(Path.Combine(dir, "consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <Import Project="{build}/OncRpc.Generator.props" />
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                  </PropertyGroup>
                  <ItemGroup>
                    <Reference Include="{xdr}" />
                    <Analyzer Include="{analyzer}" />
                    <OncRpcFile Include="allconstructs.x" Namespace="Consumer.Xdr" Services="None" />
                  </ItemGroup>
                  <Import Project="{build}/OncRpc.Generator.targets" />
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Use.cs"), """
                namespace Consumer;
                public static class Use
                {
                    public static byte[] Encode() => OncRpc.Xdr.XdrSerializer.ToArray(new Consumer.Xdr.Point { X = 1, Y = 2 });
                }
                """);
            var (exit, output) = DotnetBuild(dir);
            Assert.True(exit == 0, output);
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(dir, "obj"), "allconstructs.g.cs", SearchOption.AllDirectories));

            File.WriteAllText(Path.Combine(dir, "allconstructs.x"), "struct broken {\n    int a\n};\n");
            (exit, output) = DotnetBuild(dir);
            Assert.NotEqual(0, exit);
            Assert.Contains("allconstructs.x(2,10): error ONCRPC1101: expected ';' after 'a', found '}'", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
