using System.Buffers;
using System.CommandLine;
using System.Text;
using System.Text.Json;
using OncRpc.Client;
using OncRpc.Tool.Call;
using OncRpc.Xdr;

namespace OncRpc.Tool.Commands;

/// <summary>
/// <c>oncrpc call [-T tcp|udp|unix] [--auth none|sys[:UID:GID]] [--timeout S] FILE.x HOST[:PORT] PROCEDURE [JSON]</c>:
/// grpcurl for ONC RPC. The .x is read at run time through the compiler's semantic model (nothing
/// is generated or compiled), the JSON argument is encoded by docs/json-mapping.md, the result is
/// printed as JSON. <c>oncrpc call FILE.x --list</c> shows what can be called.
/// Exit 0 on a result, 1 when the call fails (every accept and reject status in words), 2 on bad
/// usage, a .x with errors, or JSON that does not fit (with the JSONPath of the problem).
/// </summary>
internal static class CallCommand
{
    public static Command Create()
    {
        var transport = new Option<string>("--transport", "-T") { Description = "tcp, udp or unix (HOST is then a socket path)", DefaultValueFactory = _ => "tcp" };
        var auth = new Option<string>("--auth") { Description = "none, sys (this user's uid and gid) or sys:UID:GID", DefaultValueFactory = _ => "none" };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for the reply (UDP retransmits within it)", DefaultValueFactory = _ => 10 };
        var list = new Option<bool>("--list", "-l") { Description = "list the programs, versions and procedures of FILE.x with their argument and result types" };
        var includes = new Option<string[]>("--include", "-I") { Description = "directory searched by #include (repeatable)" };
        var file = new Argument<string>("FILE.x") { Description = "the .x interface file, read at run time" };
        var target = new Argument<string?>("HOST[:PORT]")
        {
            Description = "where the server is; without PORT, rpcbind on HOST is asked; with -T unix, a socket path",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var procedure = new Argument<string?>("PROCEDURE")
        {
            Description = "a procedure name from the .x, or PROG.VERS.PROC by names or numbers (0x hex too)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Argument<string?>("JSON")
        {
            Description = "the argument as JSON (docs/json-mapping.md); read from standard input when omitted",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("call", "call a procedure of a .x interface with a JSON argument and print the result as JSON")
        {
            transport, auth, timeout, list, includes, file, target, procedure, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new CallRequest(parse.GetValue(transport)!, parse.GetValue(auth)!,
                TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(timeout), 0.05, 3600)));
            string[] operands = new[] { parse.GetValue(file), parse.GetValue(target), parse.GetValue(procedure), parse.GetValue(json) }
                .TakeWhile(o => o is not null).Select(o => o!).ToArray();
            return RunAsync(operands, parse.GetValue(list), parse.GetValue(includes) ?? [], request,
                Console.In, Console.Out, Console.Error, cancellationToken, promptForStdin: !Console.IsInputRedirected);
        });
        return command;
    }

    internal static async Task<int> RunAsync(string[] operands, bool list, string[] includes, CallRequest request,
        TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, bool promptForStdin = false)
    {
        if (operands.Length == 0 || (!list && operands.Length < 3))
        {
            stderr.WriteLine("usage: oncrpc call [-T tcp|udp|unix] [--auth none|sys[:UID:GID]] [--timeout S] FILE.x HOST[:PORT] PROCEDURE [JSON]");
            stderr.WriteLine("       oncrpc call FILE.x --list");
            return 2;
        }
        XSpecification? spec = XSpecification.Load(operands[0], includes, stderr);
        if (spec is null)
        {
            return 2;
        }
        if (list)
        {
            WriteListing(spec, stdout);
            return 0;
        }
        XProcedure? procedure = null;
        byte[] arguments;
        try
        {
            request.Validate();
            procedure = spec.Find(operands[2]);
            if (operands.Length == 3 && procedure.Procedure.Arguments.Count > 0 && promptForStdin)
            {
                // Reading a terminal would otherwise look like a hang.
                stderr.WriteLine($"{procedure.Procedure.Name} takes {XTypeText.Argument(procedure.Procedure, 0)}: type its JSON, then Ctrl+D");
            }
            string? json = operands.Length > 3 ? operands[3]
                : procedure.Procedure.Arguments.Count == 0 ? null
                : await stdin.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            arguments = EncodeArguments(procedure, json);
        }
        catch (FormatException e)
        {
            stderr.WriteLine($"oncrpc call: {e.Message}");
            return 2;
        }
        catch (JsonMappingException e)
        {
            stderr.WriteLine($"oncrpc call: {procedure?.ToString() ?? operands[2]}: {e.Message}");
            return 2;
        }
        catch (InsufficientExecutionStackException)
        {
            stderr.WriteLine($"oncrpc call: {procedure?.ToString() ?? operands[2]}: the argument nests too deeply");
            return 2;
        }

        try
        {
            await using RpcClient client = await CallTarget.ConnectAsync(operands[1], procedure, request, cancellationToken).ConfigureAwait(false);
            RawXdr reply = await client.CallAsync<RawXdr, RawXdr>(procedure.Descriptor, new RawXdr(arguments), cancellationToken).ConfigureAwait(false);
            stdout.WriteLine(DecodeResult(procedure, reply.Bytes));
            return 0;
        }
        catch (RpcException e) when (e.Status == RpcStatus.TimedOut && e.InnerException is null)
        {
            stderr.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"oncrpc call: {procedure}: timed out: no reply within {request.Timeout.TotalSeconds} s (--timeout S waits longer)"));
            return 1;
        }
        catch (RpcException e)
        {
            stderr.WriteLine($"oncrpc call: {procedure}: {RpcNames.Describe(e)}");
            return 1;
        }
        catch (CallFailure e)
        {
            stderr.WriteLine($"oncrpc call: {e.Message}");
            return 1;
        }
        catch (FormatException e)
        {
            stderr.WriteLine($"oncrpc call: {e.Message}");
            return 2;
        }
        catch (JsonMappingException e)
        {
            stderr.WriteLine($"oncrpc call: {procedure}: the reply does not decode as {XTypeText.Format(procedure.Procedure.Result)}: {e.Message}");
            return 1;
        }
        catch (InsufficientExecutionStackException)
        {
            stderr.WriteLine($"oncrpc call: {procedure}: the reply nests too deeply to print as JSON");
            return 1;
        }
    }

    /// <summary>No argument (void), one (the JSON value), or several (rpcgen -N style: a JSON array, one element each).</summary>
    internal static byte[] EncodeArguments(XProcedure procedure, string? json)
    {
        IReadOnlyList<Compiler.Semantics.XdrType> types = procedure.Procedure.Arguments;
        using JsonDocument? document = string.IsNullOrWhiteSpace(json) ? null : Parse(json);
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer);
        if (types.Count == 0)
        {
            if (document is not null && document.RootElement.ValueKind != JsonValueKind.Null)
            {
                throw JsonPath.Root.Error($"{procedure.Procedure.Name} takes no argument (void); give none or null");
            }
        }
        else if (document is null)
        {
            throw JsonPath.Root.Error($"missing: {procedure.Procedure.Name} takes {XTypeText.Argument(procedure.Procedure, 0)}");
        }
        else if (types.Count == 1)
        {
            JsonToXdr.Write(ref writer, types[0], document.RootElement, JsonPath.Root);
        }
        else
        {
            JsonElement all = document.RootElement;
            if (all.ValueKind != JsonValueKind.Array || all.GetArrayLength() != types.Count)
            {
                throw JsonPath.Root.Error($"{procedure.Procedure.Name} takes {types.Count} arguments: give a JSON array of {types.Count} values");
            }
            for (int i = 0; i < types.Count; i++)
            {
                JsonToXdr.Write(ref writer, types[i], all[i], JsonPath.Root.Index(i));
            }
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    internal static string DecodeResult(XProcedure procedure, byte[] bytes)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, MaxDepth = XdrToJson.MaxDepth + 1 }))
        {
            if (procedure.Procedure.Result is { } type)
            {
                var reader = new XdrReader(bytes);
                XdrToJson.Read(ref reader, type, json, JsonPath.Root);
                if (!reader.End)
                {
                    throw JsonPath.Root.Error($"{reader.Remaining} bytes left over after the result");
                }
            }
            else
            {
                json.WriteNullValue();
            }
        }
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static JsonDocument Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = XdrToJson.MaxDepth });
        }
        catch (JsonException e)
        {
            throw new JsonMappingException("$", $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}");
        }
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd();
    }

    private static void WriteListing(XSpecification spec, TextWriter stdout)
    {
        foreach (var program in spec.Procedures.GroupBy(p => p.Program))
        {
            stdout.WriteLine(RpcNames.Program(program.Key.Name, program.Key.Number));
            foreach (var version in program.GroupBy(p => p.Version))
            {
                stdout.WriteLine($"  version {version.Key.Number} ({version.Key.Name})");
                foreach (XProcedure p in version)
                {
                    string args = p.Procedure.Arguments.Count == 0
                        ? "void"
                        : string.Join(", ", Enumerable.Range(0, p.Procedure.Arguments.Count).Select(i => XTypeText.Argument(p.Procedure, i)));
                    stdout.WriteLine($"    {p.Procedure.Number,3} {p.Procedure.Name}({args}) -> {XTypeText.Format(p.Procedure.Result)}");
                }
            }
        }
    }
}
