using System.CommandLine;
using OncRpc.Compiler;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Lexing;

namespace OncRpc.Tool.Commands;

/// <summary>
/// <c>oncrpc gen file.x -o dir</c>: the .x compiler as a command, for projects that check generated
/// code in or do not build with MSBuild. Emits exactly the bytes the source generator would
/// (same compiler, same options), diagnostics in MSBuild format on stderr, exit 1 on any error.
/// </summary>
internal static class GenCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "the .x file to compile" };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "directory for <name>.g.cs", Required = true };
        var ns = new Option<string>("--namespace", "-n") { Description = "C# namespace of the generated code", DefaultValueFactory = _ => "OncRpc.Generated" };
        var services = new Option<string>("--services", "-s") { Description = "what to generate for programs: client, server, both (client,server) or none", DefaultValueFactory = _ => "client,server" };
        var defines = new Option<string[]>("--define", "-D") { Description = "preprocessor symbol, SYM or SYM=VALUE (repeatable)", AllowMultipleArgumentsPerToken = false };
        var includes = new Option<string[]>("--include", "-I") { Description = "directory searched by #include (repeatable)" };
        var command = new Command("gen", "compile a .x (rpcgen) interface file to C#") { file, output, ns, services, defines, includes };
        command.SetAction(parse => Run(
            parse.GetValue(file)!, parse.GetValue(output)!, parse.GetValue(ns)!, parse.GetValue(services)!,
            parse.GetValue(defines) ?? [], parse.GetValue(includes) ?? [], Console.Out, Console.Error));
        return command;
    }

    internal static int Run(FileInfo file, DirectoryInfo output, string ns, string services, string[] defines, string[] includes,
        TextWriter stdout, TextWriter stderr)
    {
        if (!file.Exists)
        {
            stderr.WriteLine($"{file.FullName}: error ONCRPC1005: cannot find file '{file.FullName}'");
            return 1;
        }
        if (!XdrCompilerOptions.TryParseServices(services, out bool client, out bool server))
        {
            stderr.WriteLine($"error: --services takes client, server, both or none, not '{services}'");
            return 2;
        }
        var options = new XdrCompilerOptions
        {
            Namespace = ns,
            GenerateClient = client,
            GenerateServer = server,
            SourceResolver = FileSystemSourceResolver.Instance,
        };
        foreach (string define in defines)
        {
            int equals = define.IndexOf('=');
            options.Defines[equals < 0 ? define : define[..equals]] = equals < 0 ? null : define[(equals + 1)..];
        }
        foreach (string include in includes)
        {
            options.IncludeDirectories.Add(Path.GetFullPath(include));
        }
        string path = file.FullName;
        XdrCompilationResult result = XdrCompiler.Compile(path, File.ReadAllText(path), options);
        foreach (Diagnostic diagnostic in result.Diagnostics)
        {
            stderr.WriteLine(diagnostic.ToString());
        }
        if (!result.Success)
        {
            return 1;
        }
        output.Create();
        string target = Path.Combine(output.FullName, Path.GetFileNameWithoutExtension(path) + ".g.cs");
        // UTF-8 without BOM and '\n' line ends: byte-identical to the generator's output.
        File.WriteAllText(target, result.GeneratedCode, new System.Text.UTF8Encoding(false));
        stdout.WriteLine(target);
        return 0;
    }
}
