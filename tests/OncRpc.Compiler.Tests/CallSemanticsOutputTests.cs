using System.Reflection;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Compiler.Tests;

/// <summary>What call-semantics comments change in the generated C#: the descriptors (compiled and
/// read back), the doc sentences, and the one-way client and service of a maybe procedure.</summary>
public sealed class CallSemanticsOutputTests
{
    private const string LogX = """
        program LOG_PROG {
            version LOG_V1 {
                void LOG(string) = 1;  /* maybe */
                int COUNT(void) = 2;
            } = 1;
        } = 0x20000100;
        """;

    // A concrete service for the generated base, compiled with it.
    private const string LogService = """
        namespace Semantics.Log;
        public sealed class LogService : LogV1ServiceBase
        {
            public override global::System.Threading.Tasks.ValueTask LogAsync(string arg, global::OncRpc.Server.RpcCallContext context) => default;
            public override global::System.Threading.Tasks.ValueTask<int> CountAsync(global::OncRpc.Server.RpcCallContext context) => new(0);
        }
        public sealed class LogImplementation : ILogV1
        {
            public readonly global::System.Threading.Tasks.TaskCompletionSource<string> Logged = new();

            public global::System.Threading.Tasks.Task LogAsync(string arg, global::System.Threading.CancellationToken cancellationToken = default)
            {
                // Runs on the server: the call's context is ambient here.
                Logged.TrySetResult(arg + " " + global::OncRpc.Server.RpcCallContext.Current?.Procedure.ProcedureName);
                return global::System.Threading.Tasks.Task.CompletedTask;
            }

            public async global::System.Threading.Tasks.Task<int> CountAsync(global::System.Threading.CancellationToken cancellationToken = default)
            {
                await global::System.Threading.Tasks.Task.Yield();
                // Still there after an await; the token is the call's.
                var context = global::OncRpc.Server.RpcCallContext.Current!.Value;
                return context.CancellationToken == cancellationToken && context.Transport == global::OncRpc.RpcTransportKind.Local ? 7 : -1;
            }

            public int Count(global::System.Threading.CancellationToken cancellationToken = default) => throw new global::System.NotSupportedException();

            /// <summary>Serves this implementation in process and calls it through the generated client.</summary>
            public static async global::System.Threading.Tasks.Task<string> ServeAndCall()
            {
                var implementation = new LogImplementation();
                var dispatcher = new global::OncRpc.Server.RpcDispatcher().Add(LogV1ServiceBase.FromInterface(implementation));
                await using var rpc = global::OncRpc.Client.RpcClient.CreateInProcess(dispatcher);
                ILogV1 client = new LogV1Client(rpc);
                int count = await client.CountAsync();
                await client.LogAsync("hello");
                string logged = await implementation.Logged.Task;
                return count + " " + logged + " " + (global::OncRpc.Server.RpcCallContext.Current is null ? "none" : "leaked");
            }
        }
        """;

    private static readonly Lazy<(string Code, Assembly Assembly)> s_log = new(() =>
    {
        XdrCompilationResult result = Compile.X(LogX, "/t/log.x", o => o.Namespace = "Semantics.Log");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return (result.GeneratedCode!, Build("SemanticsLog", ("log.g.cs", result.GeneratedCode!), ("LogService.cs", LogService)));
    });

    private static Assembly Build(string name, params (string Name, string Code)[] sources)
    {
        var compilation = Compile.CSharp(sources, name);
        Assert.Empty(Compile.Problems(compilation));
        return Compile.Load(compilation);
    }

    private static RpcProcedureDescriptor Descriptor(Assembly assembly, string type, string field) =>
        (RpcProcedureDescriptor)assembly.GetType(type, throwOnError: true)!.GetField(field)!.GetValue(null)!;

    [Fact]
    public void Bank_descriptors_carry_their_semantics()
    {
        XdrCompilationResult result = Compile.File(TestPaths.X("bank.x"), "Semantics.Bank");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assembly bank = Build("SemanticsBank", ("bank.g.cs", result.GeneratedCode!));
        Assert.Equal(RpcCallSemantics.AtMostOnce, Descriptor(bank, "Semantics.Bank.BankV1Procedures", "Deposit").Semantics);
        Assert.Equal(RpcCallSemantics.AtMostOnce, Descriptor(bank, "Semantics.Bank.BankV1Procedures", "Withdraw").Semantics);
        Assert.Equal(RpcCallSemantics.AtLeastOnce, Descriptor(bank, "Semantics.Bank.BankV1Procedures", "Balance").Semantics);
        // The default semantics are left to the runtime; only the version's name is added.
        Assert.Contains("= new(Program, Version, 3u, ProgramXdrName, \"BALANCE\") { VersionName = VersionXdrName };", result.GeneratedCode);
        Assert.Contains("= new(Program, Version, 1u, ProgramXdrName, \"DEPOSIT\") { VersionName = VersionXdrName, Semantics = global::OncRpc.RpcCallSemantics.AtMostOnce };", result.GeneratedCode);
    }

    [Fact]
    public void Maybe_descriptor_is_one_way_and_the_undeclared_one_keeps_the_default()
    {
        Assembly log = s_log.Value.Assembly;
        Assert.Equal(RpcCallSemantics.Maybe, Descriptor(log, "Semantics.Log.LogV1Procedures", "Log").Semantics);
        Assert.Equal(RpcCallSemantics.AtLeastOnce, Descriptor(log, "Semantics.Log.LogV1Procedures", "Count").Semantics);
    }

    [Fact]
    public void Every_doc_comment_of_a_declared_procedure_states_its_semantics()
    {
        string code = Compile.File(TestPaths.X("bank.x"), "Semantics.Bank").GeneratedCode!;
        const string atMostOnce = " At most once: the server answers a retransmission from its duplicate-request cache.</summary>";
        const string atLeastOnce = " At least once (idempotent): a retransmission may run it again, which does no harm.</summary>";
        // Descriptor, interface (async and blocking), client (async and blocking), service handler.
        Assert.Equal(6, Count(code, "<c>DEPOSIT</c>", atMostOnce));
        Assert.Equal(6, Count(code, "<c>WITHDRAW</c>", atMostOnce));
        Assert.Equal(6, Count(code, "<c>BALANCE</c>", atLeastOnce));

        string log = s_log.Value.Code;
        const string maybe = " Maybe (one-way): the server sends no reply and nothing is retransmitted, so it runs once or not at all.</summary>";
        // Descriptor, interface, client, service handler: no blocking twin.
        Assert.Equal(4, Count(log, "<c>LOG</c>", maybe));
        Assert.Contains("/// <summary>Sends <c>LOG</c> (procedure 1) without waiting for a reply: the task completes once the call is handed to the transport." + maybe, log);
        Assert.Contains("/// <summary>Handles <c>LOG</c> (procedure 1)." + maybe, log);
        // An undeclared procedure's docs are exactly as before.
        Assert.Contains("/// <summary>Calls <c>COUNT</c> (procedure 2).</summary>", log);
        Assert.Contains("/// <summary><c>COUNT</c> = 2.</summary>", log);
    }

    private static int Count(string code, string procedure, string sentence) =>
        code.Split('\n').Count(line => line.Contains("/// <summary>", StringComparison.Ordinal) &&
            line.Contains(procedure, StringComparison.Ordinal) && line.EndsWith(sentence, StringComparison.Ordinal));

    [Fact]
    public async Task Maybe_client_sends_one_way_and_has_no_blocking_twin()
    {
        Assembly log = s_log.Value.Assembly;
        Type clientType = log.GetType("Semantics.Log.LogV1Client", throwOnError: true)!;
        var rpc = new RecordingClient();
        object client = Activator.CreateInstance(clientType, rpc)!;
        var task = (Task)clientType.GetMethod("LogAsync")!.Invoke(client, ["hello", CancellationToken.None])!;
        await task;
        var (descriptor, bytes) = Assert.Single(rpc.OneWay);
        Assert.Equal("LOG", descriptor.ProcedureName);
        Assert.Equal(RpcCallSemantics.Maybe, descriptor.Semantics);
        Assert.Equal(XdrSerializer.ToArray(new XdrString("hello")), bytes);
        Assert.Equal(0, rpc.Calls);
        // No blocking one-way send exists to call without sync-over-async: only the async form.
        Assert.Null(clientType.GetMethod("Log"));
        Assert.Null(log.GetType("Semantics.Log.ILogV1", throwOnError: true)!.GetMethod("Log"));
        Assert.NotNull(clientType.GetMethod("Count"));
    }

    [Fact]
    public void Maybe_service_still_registers_its_handler()
    {
        Assembly log = s_log.Value.Assembly;
        var service = (IRpcService)Activator.CreateInstance(log.GetType("Semantics.Log.LogService", throwOnError: true)!)!;
        var dispatcher = new RpcDispatcher().Add(service);
        RpcProcedureDescriptor descriptor = Descriptor(log, "Semantics.Log.LogV1Procedures", "Log");
        // The public table refuses a second registration of a procedure the service already registered.
        Assert.Throws<InvalidOperationException>(() =>
            dispatcher.Register<XdrString, XdrVoid>(descriptor, (_, _) => default));
    }

    [Fact]
    public async Task An_interface_implementation_is_served_with_the_call_context_ambient()
    {
        Type implementation = s_log.Value.Assembly.GetType("Semantics.Log.LogImplementation", throwOnError: true)!;
        var run = (Task<string>)implementation.GetMethod("ServeAndCall")!.Invoke(null, null)!;
        Assert.Equal("7 hello LOG none", await run);
    }

    /// <summary>Records what a generated client asks of its transport.</summary>
    private sealed class RecordingClient : RpcClient
    {
        public List<(RpcProcedureDescriptor Descriptor, byte[] Arguments)> OneWay { get; } = [];

        public int Calls { get; private set; }

        public override ValueTask SendOneWayAsync<TArgs>(RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
        {
            OneWay.Add((procedure, XdrSerializer.ToArray(arguments)));
            return default;
        }

        public override ValueTask<TResult> CallAsync<TArgs, TResult>(RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
        {
            Calls++;
            throw new NotSupportedException("a one-way procedure must not wait for a reply");
        }

        public override TResult Call<TArgs, TResult>(RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
        {
            Calls++;
            throw new NotSupportedException("a one-way procedure must not wait for a reply");
        }

        public override ValueTask DisposeAsync() => default;
    }
}
