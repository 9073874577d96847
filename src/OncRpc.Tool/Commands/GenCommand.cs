using System.CommandLine;
using OncRpc.Compiler;
using OncRpc.Compiler.Diagnostics;
using OncRpc.Compiler.Lexing;

namespace OncRpc.Tool.Commands;

/// <summary>
/// <c>oncrpc gen a.x [b.x ...] -o dir</c>: the .x compiler as a command, for projects that check
/// generated code in or do not build with MSBuild. Files given together are compiled together (each
/// sees the others' types and gets its own &lt;name&gt;.g.cs), in path order as the source generator
/// does, so both emit exactly the same bytes. Diagnostics in MSBuild format on stderr, exit 1 on any error.
/// </summary>
internal static class GenCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("files") { Description = "the .x files to compile (together: each sees the others' definitions)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "directory for <name>.g.cs", Required = true };
        var ns = new Option<string>("--namespace", "-n") { Description = "C# namespace of the generated code", DefaultValueFactory = _ => "OncRpc.Generated" };
        var services = new Option<string>("--services", "-s") { Description = "what to generate for programs: client, server, both (client,server) or none", DefaultValueFactory = _ => "client,server" };
        var defines = new Option<string[]>("--define", "-D") { Description = "preprocessor symbol, SYM or SYM=VALUE (repeatable)", AllowMultipleArgumentsPerToken = false };
        var includes = new Option<string[]>("--include", "-I") { Description = "directory searched by #include (repeatable)" };
        var externs = new Option<string[]>("--extern") { Description = "a type no .x file defines, supplied by C#: xname=Namespace.Type implementing IXdrSerializable<T> (repeatable)" };
        var command = new Command("gen", "compile .x (rpcgen) interface files to C#") { files, output, ns, services, defines, includes, externs };
        command.SetAction(parse => Run(
            parse.GetValue(files)!, parse.GetValue(output)!, parse.GetValue(ns)!, parse.GetValue(services)!,
            parse.GetValue(defines) ?? [], parse.GetValue(includes) ?? [], Console.Out, Console.Error, parse.GetValue(externs) ?? []));
        return command;
    }

    internal static int Run(FileInfo file, DirectoryInfo output, string ns, string services, string[] defines, string[] includes,
        TextWriter stdout, TextWriter stderr, string[]? externs = null) =>
        Run([file], output, ns, services, defines, includes, stdout, stderr, externs ?? []);

    internal static int Run(FileInfo[] files, DirectoryInfo output, string ns, string services, string[] defines, string[] includes,
        TextWriter stdout, TextWriter stderr, string[] externs)
    {
        foreach (FileInfo file in files)
        {
            if (!file.Exists)
            {
                stderr.WriteLine($"{file.FullName}: error ONCRPC1005: cannot find file '{file.FullName}'");
                return 1;
            }
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
        foreach (string entry in externs)
        {
            if (XdrCompilerOptions.AddExternTypes(entry, options.ExternTypes) is { } error)
            {
                stderr.WriteLine("error: --extern: " + error);
                return 2;
            }
        }
        // Path order, as the generator: the same inputs give the same bytes however they are listed.
        List<string> paths = [.. files.Select(f => f.FullName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        IReadOnlyList<XdrCompilationResult> results = XdrCompiler.Compile(
            [.. paths.Select(path => new XdrSourceFile(path, File.ReadAllText(path), options))]);
        foreach (Diagnostic diagnostic in results.SelectMany(r => r.Diagnostics))
        {
            stderr.WriteLine(diagnostic.ToString());
        }
        if (!results.All(r => r.Success))
        {
            return 1;
        }
        output.Create();
        var written = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < paths.Count; i++)
        {
            // Same-named files from different folders get the generator's hint names: log.g.cs, log.2.g.cs.
            string stem = Path.GetFileNameWithoutExtension(paths[i]);
            string name = stem + ".g.cs";
            for (int n = 2; !written.Add(name); n++)
            {
                name = stem + "." + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
            }
            string target = Path.Combine(output.FullName, name);
            // UTF-8 without BOM and '\n' line ends: byte-identical to the generator's output.
            File.WriteAllText(target, results[i].GeneratedCode, new System.Text.UTF8Encoding(false));
            stdout.WriteLine(target);
        }
        return 0;
    }
}
